/**
 * Stack spill, fill and plain stack data (check_stack_write_fixed_off / _var_off,
 * check_stack_read_fixed_off / _var_off, check_stack_range_initialized, mark_reg_stack_read).
 *
 * Privileged semantics: uninitialized stack may be read (allow_uninit_stack), pointers may be
 * spilled anywhere in the own frame (8-byte slots only). Offsets here are absolute frame offsets
 * (negative), already including the pointer's fixed and constant variable parts.
 */
import { fls64 } from '../domains/bounds.ts';
import { scalarIsConst } from '../domains/scalar.ts';
import { tnumIsConst } from '../domains/tnum.ts';
import { BPF_ADD_CONST, type Reg, UNKNOWN_SCALAR, ZERO_REG, constReg, isPointer, regIsNull, withReg } from '../state/reg.ts';
import { type Frame, type Slot, INVALID_SLOT, isSpilledReg, setType } from '../state/vstate.ts';
import { reject } from '../checks/reject.ts';
import type { Walker } from '../walker.ts';

const spiOf = (off: number): number => Math.floor((-off - 1) / 8);
const regWidth = (r: Reg): number => fls64(r.s.umax);

/** STACK_MISC unless the byte is STACK_ZERO or STACK_INVALID (mark_stack_slot_misc). */
const miscKeep = (c: string): string => (c === '0' || c === '?' ? c : 'm');
/** scrub_spilled_slot. */
const scrub = (c: string): string => (c === '?' ? '?' : 'm');

function saveRegisterState(f: Frame, spi: number, reg: Reg, size: number): void {
  const old = f.stack[spi] ?? INVALID_SLOT;
  let t = '';
  for (let k = 0; k < 8; k++) t += k >= 8 - size ? 'r' : miscKeep(old.types[k]!);
  f.stack[spi] = { types: t, spilled: reg };
}

/**
 * assign_scalar_id_before_mov: give an unknown scalar an id so that a copy stays linked. A source
 * already linked with a delta (BPF_ADD_CONST) is unlinked first (its id and delta cleared), as the
 * kernel does: a copy of `r2 = r1 + 1` starts a new link rather than chaining deltas.
 */
export function assignScalarId(w: Walker, regno: number): Reg {
  const fr = w.cur();
  let r = fr.regs[regno]!;
  if (r.type !== 'scalar') return r;
  if (r.id & BPF_ADD_CONST) r = withReg(r, { id: 0, off: 0 });
  if (r.id === 0 && !scalarIsConst(r.s)) r = withReg(r, { id: ++w.env.idGen });
  fr.regs[regno] = r;
  return r;
}

export interface StackWriteValue {
  readonly regno: number; // -1: not a register (st imm, helper or atomic write)
  readonly isSt: boolean;
  readonly imm: number;
}

export function stackWriteFixed(w: Walker, f: Frame, off: number, size: number, v: StackWriteValue): void {
  const spi = spiOf(off);
  const slot = -off - 1;
  const cur = w.cur();
  let reg = v.regno >= 0 ? cur.regs[v.regno]! : undefined;
  if (reg && off % 8 === 0 && reg.type === 'scalar') {
    const fits = regWidth(reg) <= 8 * size;
    if (fits) reg = assignScalarId(w, v.regno);
    saveRegisterState(f, spi, fits ? reg : withReg(reg, { id: 0 }), size);
    w.stackAccess(f.frameno, spi);
    return;
  }
  if (!reg && off % 8 === 0 && v.isSt) {
    saveRegisterState(f, spi, constReg(BigInt(v.imm)), size);
    w.stackAccess(f.frameno, spi);
    return;
  }
  if (reg && isPointer(reg)) {
    if (size !== 8) reject('invalid size of register spill');
    if (f !== cur && reg.type === 'fp') reject('cannot spill pointers to stack into stack frame of the caller', 22);
    saveRegisterState(f, spi, reg, size);
    w.stackAccess(f.frameno, spi);
    return;
  }
  const old = f.stack[spi] ?? INVALID_SLOT;
  let types = isSpilledReg(old) ? [...old.types].map(scrub).join('') : old.types;
  let type = 'm';
  if ((reg && regIsNull(reg)) || (!reg && v.isSt && v.imm === 0)) {
    if (reg) w.markPreciseReg(v.regno);
    type = '0';
  }
  for (let i = 0; i < size; i++) types = setType(types, (slot - i) % 8, type);
  f.stack[spi] = { types };
}

export function stackWriteVar(w: Walker, f: Frame, minOff: number, maxOff: number, v: StackWriteValue): void {
  const cur = w.cur();
  const reg = v.regno >= 0 ? cur.regs[v.regno]! : undefined;
  const zero = (reg && regIsNull(reg)) || (!reg && v.isSt && v.imm === 0);
  let zeroUsed = false;
  for (let i = minOff; i < maxOff; i++) {
    const slot = -i - 1;
    const spi = Math.floor(slot / 8);
    const sl: Slot = f.stack[spi] ?? INVALID_SLOT;
    const k = slot % 8;
    const c = sl.types[k]!;
    if (zero && c === 'r' && sl.spilled?.type === 'scalar' && tnumIsConst(sl.spilled.s.varOff) && sl.spilled.s.varOff.value === 0n) {
      zeroUsed = true;
      continue;
    }
    let types = isSpilledReg(sl) ? [...sl.types].map(scrub).join('') : sl.types;
    let nt = 'm';
    if (zero && c === '0') { nt = '0'; zeroUsed = true; }
    types = setType(types, k, nt);
    f.stack[spi] = { types };
  }
  if (zeroUsed && v.regno >= 0) w.markPreciseReg(v.regno);
}

/** Result of a fixed-offset fill: the register, and whether it restores a spilled register. */
export interface StackFill { readonly reg: Reg | undefined; readonly restores: boolean }

export function stackReadFixed(w: Walker, f: Frame, off: number, size: number, wantReg: boolean): StackFill {
  const spi = spiOf(off);
  const slot = -off - 1;
  const sl = f.stack[spi] ?? INVALID_SLOT;
  if (isSpilledReg(sl)) {
    const spilled = sl.spilled!;
    let spillSize = 1;
    for (let i = 7; i > 0 && sl.types[i - 1] === 'r'; i--) spillSize++;
    if (size !== 8 || spillSize !== 8) {
      if (spilled.type !== 'scalar') reject('invalid size of register fill');
      if (!wantReg) return { reg: undefined, restores: false };
      if (size <= spillSize && off % 8 === 0) {
        let r = spilled;
        if (size === 4 && spillSize === 4 && regWidth(r) <= 32 && r.id === 0 && !scalarIsConst(r.s)) {
          r = withReg(r, { id: ++w.env.idGen });
          f.stack[spi] = { types: sl.types, spilled: r };
        }
        if (regWidth(r) > size * 8) r = withReg(r, { id: 0 });
        return { reg: r, restores: true };
      }
      let spillCnt = 0;
      let zeroCnt = 0;
      for (let i = 0; i < size; i++) {
        const c = sl.types[(slot - i) % 8];
        if (c === 'r') spillCnt++;
        else if (c === '0') zeroCnt++;
      }
      if (spillCnt === size && tnumIsConst(spilled.s.varOff) && spilled.s.varOff.value === 0n) return { reg: ZERO_REG, restores: true };
      if (zeroCnt === size) return { reg: ZERO_REG, restores: false };
      return { reg: UNKNOWN_SCALAR, restores: false };
    }
    if (wantReg) return { reg: spilled, restores: true };
    return { reg: undefined, restores: true };
  }
  if (!wantReg) return { reg: undefined, restores: false };
  return { reg: stackReadData(f, off, off + size), restores: false };
}

/** mark_reg_stack_read: zero if every byte is STACK_ZERO, else unknown. */
export function stackReadData(f: Frame, minOff: number, maxOff: number): Reg {
  for (let i = minOff; i < maxOff; i++) {
    const slot = -i - 1;
    const sl = f.stack[Math.floor(slot / 8)] ?? INVALID_SLOT;
    if (sl.types[slot % 8] !== '0') return UNKNOWN_SCALAR;
  }
  return ZERO_REG;
}

/** A helper (or raw-mode) write of bytes [minOff, maxOff): every byte becomes STACK_MISC and
 * spilled registers in range are destroyed. */
export function stackClobber(f: Frame, minOff: number, maxOff: number): void {
  for (let i = minOff; i < maxOff; i++) {
    const slot = -i - 1;
    const spi = Math.floor(slot / 8);
    const sl = f.stack[spi] ?? INVALID_SLOT;
    let types = isSpilledReg(sl) ? [...sl.types].map(scrub).join('') : sl.types;
    types = setType(types, slot % 8, 'm');
    f.stack[spi] = { types };
  }
}

export { spiOf };
