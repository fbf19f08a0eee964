/**
 * The model's state as the shared log-state type (what the kernel log prints): registers that are
 * initialized, stack slots that are not all invalid, frames outermost first, references.
 */
import { scalarToBounds } from '../domains/scalar.ts';
import type { FrameState, RegState, StackSlotState, VerifierState } from './log-state.ts';
import { MEM_RDONLY, MEM_RINGBUF, PTR_MAYBE_NULL, type Reg } from './reg.ts';
import type { VState } from './vstate.ts';

const TYPE_NAMES: Readonly<Record<string, string>> = { mem: 'mem' };

export function regToLog(r: Reg, maps?: readonly { keySize: number; valueSize: number }[]): RegState {
  const flags: string[] = [];
  if (r.flags & MEM_RDONLY) flags.push('rdonly_');
  if (r.flags & MEM_RINGBUF) flags.push('ringbuf_');
  const base: { -readonly [K in keyof RegState]: RegState[K] } = { type: TYPE_NAMES[r.type] ?? r.type };
  if (r.flags & PTR_MAYBE_NULL) base.orNull = true;
  if (flags.length) base.flags = flags;
  if (r.id) base.id = r.id;
  if (r.refObjId) base.refObjId = r.refObjId;
  if (r.type !== 'scalar') base.off = r.off;
  if (r.type === 'pkt' || r.type === 'pkt_meta') base.range = r.range;
  if (r.map >= 0 && maps?.[r.map]) { base.keySize = maps[r.map]!.keySize; base.valueSize = maps[r.map]!.valueSize; }
  if (r.type === 'mem') base.memSize = r.memSize;
  if (r.type === 'fp') base.frameno = r.frameno;
  base.bounds = scalarToBounds(r.s);
  return base;
}

export function toLogState(st: VState): VerifierState {
  const frames: FrameState[] = st.frames.map((f) => {
    const regs = new Map<number, RegState>();
    f.regs.forEach((r, i) => { if (r.type !== 'not_init') regs.set(i, regToLog(r)); });
    const stack: StackSlotState[] = [];
    f.stack.forEach((sl, spi) => {
      if (!sl || sl.types === '????????') return;
      const off = -(spi + 1) * 8;
      if (sl.types[7] === 'r' && sl.spilled) stack.push({ off, spilled: regToLog(sl.spilled) });
      else stack.push({ off, bytes: sl.types });
    });
    return { frameno: f.frameno, regs, stack };
  });
  return { frames, ...(st.refs.length ? { refs: st.refs.map((r) => r.id) } : {}) };
}
