/**
 * Precision backtracking (the kernel's mark_chain_precision / backtrack_insn): when a scalar's
 * exact value matters (pointer arithmetic, a decided branch, a helper size, a constant map key),
 * walk the path's instruction history backwards, following the data flow (moves, ALU sources,
 * spills and fills, call arguments and return values) and mark the contributing registers and
 * stack slots precise in every checkpoint on the way.
 *
 * Invariant (soundness): a checkpoint's precision set covers every scalar whose value influenced a
 * precise use in its explored subtree. Where the walk cannot follow (LD_ABS, atomics fetching
 * into a tracked register, unexpected call registers) it falls back to marking every scalar
 * precise in every checkpoint of the chain, as the kernel does.
 */
import {
  BPF_ABS, BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_END, BPF_EXIT, BPF_FETCH, BPF_IND, BPF_JA,
  BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX, BPF_MOV, BPF_NEG, BPF_PSEUDO_CALL, BPF_ST, BPF_STX, BPF_X, bpfClass, bpfMode,
  bpfOp, bpfSrc,
} from '../isa/opcodes.ts';
import { LD_IMM64 } from './cfg.ts';
import type { Env } from './env.ts';
import { type Checkpoint, regKey, slotKey } from './prune.ts';
import { isSpilledScalar, MAX_CALL_FRAMES } from './state/vstate.ts';

// History entry: pc + frame * 2^20 + stackInfo * 2^23, stackInfo = (spi + 1) * 8 + stackFrame.
const P20 = 1 << 20;
const P23 = 1 << 23;
export function histEntry(pc: number, frame: number, stackFrame: number, spi: number): number {
  return pc + frame * P20 + (spi >= 0 ? ((spi + 1) * 8 + stackFrame) * P23 : 0);
}
const entPc = (e: number): number => e % P20;
const entFrame = (e: number): number => Math.floor(e / P20) % 8;
const entStack = (e: number): number => Math.floor(e / P23);

/** The backtracking set: registers and stack slots per frame. */
export class BtState {
  readonly regs = new Int32Array(MAX_CALL_FRAMES);
  readonly slots: Set<number>[] = Array.from({ length: MAX_CALL_FRAMES }, () => new Set<number>());
  hasReg(f: number, r: number): boolean { return (this.regs[f]! & (1 << r)) !== 0; }
  setReg(f: number, r: number): void { if (r !== 10) this.regs[f]! |= 1 << r; }
  clearReg(f: number, r: number): void { this.regs[f]! &= ~(1 << r); }
  empty(): boolean {
    for (let f = 0; f < MAX_CALL_FRAMES; f++) if (this.regs[f] || this.slots[f]!.size) return false;
    return true;
  }
}

class Fallback extends Error {}

function backtrackInsn(env: Env, e: number, bt: BtState): void {
  const pc = entPc(e);
  const f = entFrame(e);
  const insn = env.insnAt[pc]!;
  const cls = bpfClass(insn.code);
  const op = bpfOp(insn.code);
  const d = insn.dst;
  const s = insn.src;
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    if (!bt.hasReg(f, d)) return;
    if (op === BPF_MOV) {
      bt.clearReg(f, d);
      if (bpfSrc(insn.code) === BPF_X) bt.setReg(f, s);
    } else if (op !== BPF_NEG && op !== BPF_END && bpfSrc(insn.code) === BPF_X) {
      bt.setReg(f, s);
    }
    return;
  }
  if (cls === BPF_LDX) {
    if (!bt.hasReg(f, d)) return;
    bt.clearReg(f, d);
    const si = entStack(e);
    if (si) bt.slots[si % 8]!.add(Math.floor(si / 8) - 1);
    return;
  }
  if (cls === BPF_STX || cls === BPF_ST) {
    if (bpfMode(insn.code) === BPF_ATOMIC) {
      const load = insn.imm === BPF_CMPXCHG ? 0 : insn.imm & BPF_FETCH ? s : -1;
      if (load >= 0 && bt.hasReg(f, load)) throw new Fallback();
      return;
    }
    const si = entStack(e);
    if (!si) return;
    const sf = si % 8;
    const spi = Math.floor(si / 8) - 1;
    if (!bt.slots[sf]!.has(spi)) return;
    bt.slots[sf]!.delete(spi);
    if (cls === BPF_STX) bt.setReg(f, s);
    return;
  }
  if (cls === BPF_LD) {
    if (insn.code === LD_IMM64) { bt.clearReg(f, d); return; }
    if (bpfMode(insn.code) === BPF_ABS || bpfMode(insn.code) === BPF_IND) throw new Fallback();
    return;
  }
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    if (op === BPF_CALL) {
      if (insn.src === BPF_PSEUDO_CALL) {
        // entering the caller: the callee's argument registers came from the caller's
        const callee = f + 1;
        const args = bt.regs[callee]! & 0b111110;
        if ((bt.regs[callee]! & ~0b111110) || bt.slots[callee]!.size) throw new Fallback();
        bt.regs[callee] = 0;
        bt.regs[f]! |= args;
        return;
      }
      bt.clearReg(f, 0);
      if (bt.regs[f]! & 0b111110) throw new Fallback();
      return;
    }
    if (op === BPF_EXIT) {
      if (f === 0) return;
      // returning to the caller (frame f - 1): its r0 is the callee's r0
      if (bt.hasReg(f - 1, 0)) { bt.clearReg(f - 1, 0); bt.setReg(f, 0); }
      return;
    }
    if (op === BPF_JA || op === 0xe0) return;
    if (bpfSrc(insn.code) === BPF_X && (bt.hasReg(f, d) || bt.hasReg(f, s))) {
      bt.setReg(f, d);
      bt.setReg(f, s);
    }
  }
}

/** At a checkpoint: mark what is set, drop what is not a scalar or already precise. */
function markInCheckpoint(cp: Checkpoint, bt: BtState): void {
  for (let f = 0; f < MAX_CALL_FRAMES; f++) {
    const frame = cp.st.frames[f];
    if (!frame) { bt.regs[f] = 0; bt.slots[f]!.clear(); continue; }
    for (let r = 0; r < 11; r++) {
      if (!bt.hasReg(f, r)) continue;
      const key = regKey(f, r);
      if (frame.regs[r]!.type !== 'scalar' || cp.precise.has(key)) bt.clearReg(f, r);
      else cp.precise.add(key);
    }
    for (const spi of [...bt.slots[f]!]) {
      const key = slotKey(f, spi);
      const sl = frame.stack[spi];
      if (!sl || !isSpilledScalar(sl) || cp.precise.has(key)) bt.slots[f]!.delete(spi);
      else cp.precise.add(key);
    }
  }
}

function markAll(parent: Checkpoint | null): void {
  for (let c = parent; c; c = c.parent) {
    if (c.allPrecise) return;
    c.allPrecise = true;
  }
}

/** Backtrack `bt` through the current segment `hist` (newest last) and up the checkpoint chain. */
export function backtrack(env: Env, hist: readonly number[], parent: Checkpoint | null, bt: BtState): void {
  try {
    let h = hist;
    let cp = parent;
    for (;;) {
      for (let i = h.length - 1; i >= 0; i--) {
        backtrackInsn(env, h[i]!, bt);
        if (bt.empty()) return;
      }
      if (!cp) return;
      if (cp.allPrecise) return;
      markInCheckpoint(cp, bt);
      if (bt.empty()) return;
      h = cp.hist;
      cp = cp.parent;
    }
  } catch (e) {
    if (e instanceof Fallback) { markAll(parent); return; }
    throw e;
  }
}

export { BPF_JMP, BPF_JMP32 };
