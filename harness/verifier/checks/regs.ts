/**
 * check_reg_arg: a register read must be initialized (`R2 !read_ok`), r10 is never written
 * (`frame pointer is read only`), register numbers stop at r10 (`R11 is invalid`).
 */
import { UNKNOWN_SCALAR } from '../state/reg.ts';
import type { Walker } from '../walker.ts';
import { EACCES, EINVAL, reject } from './reject.ts';

export function checkRegRead(w: Walker, regno: number): void {
  if (regno >= 11) reject(`R${regno} is invalid`, EINVAL);
  if (w.cur().regs[regno]!.type === 'not_init') reject(`R${regno} !read_ok`, EACCES);
}

/** DST_OP_NO_MARK: the checks only. */
export function checkRegWrite(w: Walker, regno: number): void {
  if (regno >= 11) reject(`R${regno} is invalid`, EINVAL);
  if (regno === 10) reject('frame pointer is read only', EACCES);
}

/** DST_OP: the checks, then the register becomes an unknown scalar. */
export function checkRegWriteMark(w: Walker, regno: number): void {
  checkRegWrite(w, regno);
  w.cur().regs[regno] = UNKNOWN_SCALAR;
}
