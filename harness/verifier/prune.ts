/**
 * State pruning: checkpoints at prune points and the equivalence test (states_equal, regsafe,
 * stacksafe, refsafe with an id map), plus the exact comparison used to detect infinite loops.
 *
 * Invariant (soundness): `statesEqual(old, cur)` implies every path from cur is covered by the
 * already verified paths from old: live registers compared, imprecise scalars match any scalar,
 * precise scalars (old's precision marks, computed by precision.ts over old's whole subtree) and
 * all pointers must be within old's. DIVERGENCE: stack slots are all treated as live (the kernel
 * 6.18 computes stack liveness statically); this prunes less, never unsoundly.
 */
import { scalarEquals } from './domains/scalar.ts';
import { rangeWithin } from './domains/branch.ts';
import { tnumIn } from './domains/tnum.ts';
import { BPF_ADD_CONST, type Reg, UNKNOWN_SCALAR } from './state/reg.ts';
import { type Frame, INVALID_SLOT, type Slot, STACK_SLOTS, type VState, isSpilledReg } from './state/vstate.ts';

export interface Checkpoint {
  readonly pc: number;
  readonly st: VState;
  readonly parent: Checkpoint | null;
  /** Encoded history of the path segment from parent to this checkpoint. */
  readonly hist: number[];
  branches: number;
  missCnt: number;
  hitCnt: number;
  readonly precise: Set<number>;
  allPrecise: boolean;
}

export const regKey = (frame: number, reg: number): number => frame * 128 + reg;
export const slotKey = (frame: number, spi: number): number => frame * 128 + 64 + spi;

class IdMap {
  private readonly oldToCur = new Map<number, number>();
  private readonly curToOld = new Map<number, number>();
  private tmp = 1 << 30;
  check(o: number, c: number): boolean {
    if (!!o !== !!c) return false;
    if (o === 0) return true;
    const m = this.oldToCur.get(o);
    if (m !== undefined) return m === c;
    if (this.curToOld.has(c)) return false;
    this.oldToCur.set(o, c);
    this.curToOld.set(c, o);
    return true;
  }
  checkScalar(o: number, c: number): boolean {
    if (!o) return true;
    return this.check(o, c || ++this.tmp);
  }
}

function regsExact(o: Reg, c: Reg, ids: IdMap): boolean {
  return o.type === c.type && o.flags === c.flags && o.off === c.off && o.map === c.map && o.range === c.range
    && o.memSize === c.memSize && o.frameno === c.frameno && scalarEquals(o.s, c.s)
    && ids.check(o.id, c.id) && ids.check(o.refObjId, c.refObjId);
}

const within = (o: Reg, c: Reg): boolean => rangeWithin(o.s, c.s) && tnumIn(o.s.varOff, c.s.varOff);

function regsafe(o: Reg, c: Reg, precise: boolean, ids: IdMap, exact: boolean | 'range'): boolean {
  if (exact === 'range') { precise = true; exact = false; }
  if (exact) return regsExact(o, c, ids);
  if (o.type === 'not_init') return true;
  if (o.type !== c.type || o.flags !== c.flags) return false;
  switch (o.type) {
    case 'scalar':
      if (!precise) return true;
      if ((o.id & BPF_ADD_CONST) !== (c.id & BPF_ADD_CONST)) return false;
      if (o.id & BPF_ADD_CONST && o.off !== c.off) return false;
      return ids.checkScalar(o.id, c.id) && within(o, c);
    case 'map_key': case 'map_value': case 'mem':
      return o.off === c.off && o.map === c.map && o.memSize === c.memSize && within(o, c)
        && ids.check(o.id, c.id) && ids.check(o.refObjId, c.refObjId);
    case 'pkt': case 'pkt_meta':
      if (o.range > c.range || o.off !== c.off) return false;
      return ids.check(o.id, c.id) && within(o, c);
    case 'fp':
      return regsExact(o, c, ids);
    default:
      return regsExact(o, c, ids);
  }
}

const UNBOUND: Reg = UNKNOWN_SCALAR;

/** scalar_reg_for_stack: a 64-bit scalar spill, or an unbound scalar for all-misc slots. */
function scalarRegForStack(s: Slot): Reg | undefined {
  if (s.types === 'rrrrrrrr' && s.spilled?.type === 'scalar') return s.spilled;
  for (let k = 0; k < 8; k++) {
    const ch = s.types[k];
    if (ch !== 'm' && ch !== '0' && ch !== '?') return undefined;
  }
  return UNBOUND;
}

function stacksafe(cp: Checkpoint, fi: number, o: Frame, c: Frame, ids: IdMap, exact: boolean | 'range'): boolean {
  for (let spi = 0; spi < STACK_SLOTS; spi++) {
    const os = o.stack[spi] ?? INVALID_SLOT;
    const cs = c.stack[spi] ?? INVALID_SLOT;
    if (exact === true) {
      if (os.types !== cs.types) return false;
      if (isSpilledReg(os) && !regsExact(os.spilled!, cs.spilled!, ids)) return false;
      continue;
    }
    if (os === INVALID_SLOT || os.types === '????????') continue;
    const precise = cp.allPrecise || cp.precise.has(slotKey(fi, spi));
    const orr = scalarRegForStack(os);
    const crr = scalarRegForStack(cs);
    if (orr && crr) {
      if (!regsafe(orr, crr, orr !== UNBOUND && precise, ids, exact === 'range' && orr !== UNBOUND ? 'range' : false)) return false;
      continue;
    }
    for (let k = 0; k < 8; k++) {
      const oc = os.types[k];
      const cc = cs.types[k];
      if (oc === '?' || oc === 'm') continue;
      if (oc !== cc) return false;
    }
    if (isSpilledReg(os) && !regsafe(os.spilled!, cs.spilled!, precise, ids, exact === 'range' ? 'range' : false)) return false;
  }
  return true;
}

/** Is frame fi's register r live at this state (the caller frames resume after their call)? */
function liveMask(st: VState, fi: number, pc: number, live: Uint16Array): number {
  if (fi === st.frames.length - 1) return live[pc]! | (1 << 10);
  const callsite = st.frames[fi + 1]!.callsite;
  return (live[callsite + 1] ?? 0xffff) & ~0x3f | (1 << 10);
}

/** exact: true (infinite-loop check), 'range' (RANGE_WITHIN: every scalar compared by range,
 * as for may_goto loop entries), false (NOT_EXACT: precision decides). */
export function statesEqual(cp: Checkpoint, cur: VState, live: Uint16Array, exact: boolean | 'range'): boolean {
  const old = cp.st;
  if (old.frames.length !== cur.frames.length) return false;
  if (old.lockId !== 0 !== (cur.lockId !== 0)) return false;
  const ids = new IdMap();
  if (old.refs.length !== cur.refs.length) return false;
  for (let i = 0; i < old.refs.length; i++) if (!ids.check(old.refs[i]!.id, cur.refs[i]!.id)) return false;
  for (let fi = 0; fi < old.frames.length; fi++) {
    const o = old.frames[fi]!;
    const c = cur.frames[fi]!;
    if (o.callsite !== c.callsite) return false;
    const mask = exact === true ? 0xffff : liveMask(old, fi, cp.pc, live);
    for (let r = 0; r < 11; r++) {
      if (!(mask & (1 << r))) continue;
      const precise = cp.allPrecise || cp.precise.has(regKey(fi, r));
      if (!regsafe(o.regs[r]!, c.regs[r]!, precise, ids, exact)) return false;
    }
    if (!stacksafe(cp, fi, o, c, ids, exact)) return false;
  }
  return true;
}

/** states_maybe_looping: the current frame's registers are bit-identical. */
export function statesMaybeLooping(old: VState, cur: VState): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  const o = old.frames[old.frames.length - 1]!;
  const c = cur.frames[cur.frames.length - 1]!;
  for (let r = 0; r < 11; r++) {
    const a = o.regs[r]!;
    const b = c.regs[r]!;
    if (a === b) continue;
    if (a.type !== b.type || a.flags !== b.flags || a.off !== b.off || a.id !== b.id || a.refObjId !== b.refObjId
      || a.map !== b.map || a.range !== b.range || a.memSize !== b.memSize || a.frameno !== b.frameno || !scalarEquals(a.s, b.s)) return false;
  }
  return true;
}
