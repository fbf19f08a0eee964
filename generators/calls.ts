/**
 * bpf-to-bpf calls: a main function passes scalars (or a pointer to its stack) in r1..r5 to one
 * or two subprograms, which compute on their arguments, may call each other, and return r0.
 * Errors a verifier must catch appear now and then: a callee reading a callee-saved register it
 * never wrote, a callee returning without setting r0, a caller reading a clobbered r1..r5 after
 * the call.
 */
import { CallLocal, Exit, Label, Ldx, Mov64, Add64, Stx, type SymItem } from '../harness/isa/builder.ts';
import type { Draw } from './draw.ts';
import { type Family, program } from './family.ts';
import { Labels, aluBody, initAllRegs, reg } from './frame.ts';

/** Body of a subprogram with `nargs` arguments: ALU on r0..r(nargs), then r0 set and exit. */
function subprog(d: Draw, labels: Labels, name: string, nargs: number, stackArg: boolean, callee?: string): SymItem[] {
  const hi = Math.max(1, nargs);
  const items: SymItem[] = [Label(name)];
  // r1 points to the caller's fp-8: read it, or a slot next to it (never written, or past the frame)
  if (stackArg) items.push(Ldx(8, 1, 1, d.weighted([[0, 6], [-8, 1], [8, 1], [4, 1]] as const)));
  const bug = d.weighted([['none', 96], ['callee-saved', 2], ['r0-unset', 2]] as const);
  if (bug === 'callee-saved') items.push(Mov64.Reg(0, 6)); // r6 is not initialized in a callee
  if (bug === 'none') items.push(Mov64.Imm(0, d.imm32())); // with 'r0-unset', r0 is read before it is set
  items.push(...aluBody(d, labels, d.int(1, 10), 0, hi, 0.2));
  if (callee) items.push(Mov64.Reg(6, 0), CallLocal(callee), Add64.Reg(0, 6));
  items.push(Exit());
  return items;
}

export const calls: Family = {
  name: 'calls',
  weight: 1,
  build: (d) => {
    const labels = new Labels();
    const nSubs = d.int(1, 2);
    const subs = Array.from({ length: nSubs }, (_, i) => `sub${i}`);
    const nargs = subs.map(() => d.int(0, 5));
    const stackArg = subs.map((_, i) => nargs[i]! >= 1 && d.bool(0.3));
    const items: SymItem[] = [...initAllRegs(d, { ctxLoad: false })];
    for (let i = 0; i < nSubs; i++) {
      // r1..r5 are clobbered by a previous call: set every argument again from r6..r9 or a constant
      for (let a = 1; a <= 5; a++) items.push(d.bool(0.6) ? Mov64.Reg(a, reg(d, 6, 9)) : Mov64.Imm(a, d.imm32()));
      if (stackArg[i]) items.push(Stx(8, 10, -8, reg(d, 6, 9)), Mov64.Reg(1, 10), Add64.Imm(1, -8));
      items.push(CallLocal(subs[i]!), Add64.Reg(7, 0));
      if (d.bool(0.02)) items.push(Add64.Reg(7, d.int(1, 5))); // bug: r1..r5 are clobbered by the call
    }
    items.push(Mov64.Reg(0, 7), Exit());
    subs.forEach((s, i) => items.push(...subprog(d, labels, s, nargs[i]!, stackArg[i]!, i + 1 < nSubs && d.bool(0.4) ? subs[i + 1] : undefined)));
    return program(d.pick(['socket_filter', 'sched_cls'] as const), items);
  },
};
