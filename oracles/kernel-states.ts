/**
 * The kernel's abstract register states before each instruction, rebuilt from the events of a
 * `log_level = 2` verifier log (harness/kernel/log/parse.ts), for the kernel state-containment
 * oracle (kernel-state-containment.ts).
 *
 * The log is a sequence of paths. A path starts from a FULL state (the log's start, where every
 * register not printed is NOT_INIT; `from X to Y: <state>`; `callee:` and `to caller at N:`
 * around a bpf-to-bpf call), and after each instruction the kernel prints only the registers the
 * instruction scratched (a delta, after `;` or on its own `N: <state>` line). Following one path,
 * the state before an instruction is the last full state with every later delta applied.
 *
 * Invariant (soundness): every register a rebuilt state holds is what the kernel believed before
 * that instruction on that path, or wider. A register absent from a rebuilt state constrains
 * nothing (NOT_INIT for the kernel, or unknown to us). Whenever the rebuild cannot follow a path
 * (a delta of another frame, an unparsed line, a pseudo call without its `callee:` state, the
 * end of a path), it stops following it until the next full state, and every instruction the log
 * visits meanwhile is listed in `unfollowed`: its candidate list is incomplete, so the oracle
 * must not judge a concrete step there. Prune points (`N: safe`, `from X to N: safe`) are
 * listed in `pruned`.
 *
 * Frames: a rebuilt state is the current frame's registers only, tagged with its frame number
 * (the kernel prints only the current frame); callers' frames are not needed because the
 * kernel prints the caller's full frame again at `to caller at N:`.
 */
import type { LogEvent, RegState, VerifierState } from '../harness/verifier/state/log-state.ts';

/** Registers r0..r10 of one frame; undefined: NOT_INIT or not known from the log. */
export type Regs = readonly (RegState | undefined)[];

export interface KernelStateAt {
  readonly frameno: number;
  readonly regs: Regs;
}

export interface KernelStates {
  /** The log ran to its `processed N insns` footer without an error line. */
  readonly complete: boolean;
  /** States before the instruction at each kernel insn index, one per visit in the log. */
  readonly bySlot: ReadonlyMap<number, readonly KernelStateAt[]>;
  /** Instructions where the kernel pruned a path. */
  readonly pruned: ReadonlySet<number>;
  /** Instructions the log visits on a path the rebuild could not follow. */
  readonly unfollowed: ReadonlySet<number>;
}

const NREGS = 11;
const EMPTY: Regs = Object.freeze(new Array<RegState | undefined>(NREGS).fill(undefined));
const BPF_CALL = 0x85;
const BPF_EXIT = 0x95;

/** The path being followed: its frame and registers; undefined while not following one. */
interface Cursor {
  readonly frameno: number;
  readonly regs: Regs;
}

class Rebuild {
  readonly bySlot = new Map<number, KernelStateAt[]>();
  readonly pruned = new Set<number>();
  readonly unfollowed = new Set<number>();
  cur: Cursor | undefined = { frameno: 0, regs: EMPTY };
  sawStats = false;
  sawError = false;

  /** A full state: the current frame of `s`, every register not printed NOT_INIT. */
  startFull(s: VerifierState | undefined): void {
    const f = s?.frames[s.frames.length - 1];
    if (!f) {
      this.cur = undefined;
      return;
    }
    const regs = [...EMPTY];
    for (const [n, r] of f.regs) regs[n] = r;
    this.cur = { frameno: f.frameno, regs };
  }

  /** A delta of the current frame; another frame's delta means we lost the path. */
  applyDelta(s: VerifierState): void {
    const f = s.frames[s.frames.length - 1];
    if (!this.cur || !f) return;
    if (f.frameno !== this.cur.frameno) {
      this.cur = undefined;
      return;
    }
    if (f.regs.size === 0) return;
    const regs = [...this.cur.regs];
    for (const [n, r] of f.regs) regs[n] = r;
    this.cur = { frameno: this.cur.frameno, regs };
  }

  clear(from: number, to: number, keep?: (r: RegState) => boolean): void {
    if (!this.cur) return;
    const regs = [...this.cur.regs];
    for (let n = from; n <= to; n++) if (!keep || !regs[n] || !keep(regs[n]!)) regs[n] = undefined;
    this.cur = { frameno: this.cur.frameno, regs };
  }

  record(pc: number): void {
    if (!this.cur) {
      this.unfollowed.add(pc);
      return;
    }
    let list = this.bySlot.get(pc);
    if (!list) this.bySlot.set(pc, (list = []));
    list.push(this.cur);
  }
}

type InsnEvent = Extract<LogEvent, { kind: 'insn' }>;

const isPseudoCall = (e: InsnEvent): boolean => e.code === BPF_CALL && /^call pc[+-]\d+$/.test(e.text);
// DIVERGENCE: the kernel widens imprecise scalars at an open-coded iterator's next() call
// (widen_imprecise_scalars in is_state_visited) without printing them; we forget every scalar
// there instead (wider, so still sound).
const isIterNext = (e: InsnEvent): boolean => e.code === BPF_CALL && /^call bpf_iter_\w+_next#/.test(e.text);

function onInsn(b: Rebuild, e: InsnEvent): void {
  if (isIterNext(e)) b.clear(0, 10, (r) => r.type !== 'scalar');
  b.record(e.pc);
  if (isPseudoCall(e) || e.code === BPF_EXIT) {
    // The next full state (`callee:`, `to caller at N:`, `from X to Y:`) says where we are.
    b.cur = undefined;
    return;
  }
  // A helper or kfunc call leaves r1-r5 NOT_INIT; they are not printed, r0 is.
  if (e.code === BPF_CALL) b.clear(1, 5);
  if (e.after) b.applyDelta(e.after);
}

function onCall(b: Rebuild, e: Extract<LogEvent, { kind: 'call' }>): void {
  if (e.text === 'callee:' || e.text.startsWith('to caller at ')) b.startFull(e.state);
  else b.cur = undefined; // 'caller:' (a callback's caller may go on anywhere), 'returning from callee:'
}

type Handler = (b: Rebuild, e: LogEvent) => void;

/** One handler per event kind; kinds absent here (func, live_regs, mark_precise) change nothing. */
const HANDLERS: Partial<Record<LogEvent['kind'], Handler>> = {
  insn: (b, e) => onInsn(b, e as InsnEvent),
  state: (b, e) => b.applyDelta((e as Extract<LogEvent, { kind: 'state' }>).state),
  branch: (b, e) => b.startFull((e as Extract<LogEvent, { kind: 'branch' }>).state),
  safe: (b, e) => {
    b.pruned.add((e as Extract<LogEvent, { kind: 'safe' }>).pc);
    b.cur = undefined;
  },
  call: (b, e) => onCall(b, e as Extract<LogEvent, { kind: 'call' }>),
  unknown: (b) => (b.cur = undefined),
  error: (b) => {
    b.sawError = true;
    b.cur = undefined;
  },
  stats: (b) => {
    b.sawStats = true;
    b.cur = undefined;
  },
  note: (b, e) => {
    // A global subprogram is verified on its own from a fresh state (`Validating f() func#1...`).
    if ((e as Extract<LogEvent, { kind: 'note' }>).text.startsWith('Validating ')) b.cur = { frameno: 0, regs: EMPTY };
  },
};

/** Rebuild the per-instruction states of a level-2 log (see the module comment). */
export function rebuildKernelStates(events: readonly LogEvent[]): KernelStates {
  const b = new Rebuild();
  for (const e of events) HANDLERS[e.kind]?.(b, e);
  return { complete: b.sawStats && !b.sawError, bySlot: b.bySlot, pruned: b.pruned, unfollowed: b.unfollowed };
}
