/**
 * The abstract interpreter's driver (the kernel's do_check): depth-first over paths, a stack of
 * pending branch states, one handler per instruction kind (a table), checkpoints and pruning at
 * prune points, the 1,000,000 processed-instruction limit, and `processed N insns` counted as the
 * kernel counts it (every instruction visit, including the one found safe by pruning).
 */
import type { Insn } from '../isa/insn.ts';
import { BPF_JMP, BPF_JMP32, bpfClass, opcodeRow, type OpcodeKind } from '../isa/opcodes.ts';
import { kernelInsnBody } from '../isa/disasm.ts';
import type { CfgInfo } from './cfg.ts';
import type { Env } from './env.ts';
import { E2BIG, EINVAL, Reject, reject } from './checks/reject.ts';
import { type ConcreteStep, type ContainmentViolation, branchViolation, stepViolation } from './containment.ts';
import { BtState, backtrack, histEntry } from './precision.ts';
import { type Checkpoint, regKey, slotKey, statesEqual, statesMaybeLooping } from './prune.ts';
import { ptrReg } from './state/reg.ts';
import { type VState, cloneState, isSpilledScalar, newFrame } from './state/vstate.ts';
import { toLogState } from './state/to-log.ts';
import { EXIT_PATH, type Walker } from './walker.ts';
import { alu } from './transfer/alu.ts';
import { call, exit } from './transfer/call.ts';
import { ja, jcond } from './transfer/jmp.ts';
import { mayGoto } from './transfer/may-goto.ts';
import { ld } from './transfer/ld.ts';
import { ldx, st, stx } from './transfer/mem.ts';

export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
const BPF_COMPLEXITY_LIMIT_JMP_SEQ = 8192;
/** Replay follows at most this many model paths at once (each `goto +0` doubles them while the
 * registers that tell them apart are dead). */
const MAX_REPLAY_PATHS = 64;

type Handler = (w: Walker, insn: Insn) => number;
const HANDLERS: Readonly<Record<OpcodeKind, Handler>> = {
  alu, end: alu, ja, jcond, may_goto: mayGoto, call, exit,
  ld_imm64: ld, ld_abs: ld, ld_ind: ld, ldx, st, stx, atomic: stx,
};

interface Path {
  st: VState;
  pc: number;
  from: number;
  parent: Checkpoint | null;
  hist: number[];
}

function initialState(): VState {
  const f = newFrame(0, -1, 0);
  f.regs[1] = ptrReg('ctx');
  return { frames: [f], refs: [], lockId: 0, lockMap: -1 };
}

class Explorer implements Walker {
  st: VState;
  pc = 0;
  readonly logging: boolean;
  private path: Path;
  private readonly pending: Path[] = [];
  private readonly explored = new Map<number, Checkpoint[]>();
  private stackNote = -1;
  private pushedNow: Path[] = [];
  /** Following one concrete run (replay) rather than exploring. */
  private guided = false;
  constructor(readonly env: Env, private readonly cfg: CfgInfo, private readonly live: Uint16Array) {
    this.logging = env.logLevel > 0;
    this.path = { st: initialState(), pc: 0, from: -1, parent: null, hist: [] };
    this.st = this.path.st;
    if (this.logging && env.logLevel >= 2) env.events.push({ kind: 'state', pc: 0, state: toLogState(this.st) });
  }

  cur() { return this.st.frames[this.st.frames.length - 1]!; }

  markPreciseReg(regno: number): void {
    if (this.guided) return;
    const bt = new BtState();
    bt.setReg(this.st.frames.length - 1, regno);
    backtrack(this.env, this.path.hist, this.path.parent, bt);
  }

  markPreciseSlot(frameno: number, spi: number): void {
    if (this.guided) return;
    const bt = new BtState();
    bt.slots[frameno]!.add(spi);
    backtrack(this.env, this.path.hist, this.path.parent, bt);
  }

  stackAccess(frameno: number, spi: number): void { this.stackNote = spi * 8 + frameno; }

  pushBranch(st: VState, pc: number): void {
    if (this.guided) {
      this.pushedNow.push({ st, pc, from: this.pc, parent: null, hist: [] });
      return;
    }
    if (this.pending.length + 1 > BPF_COMPLEXITY_LIMIT_JMP_SEQ) {
      reject(`The sequence of ${this.pending.length + 1} jumps is too complex.`, E2BIG);
    }
    const p: Path = { st, pc, from: this.pc, parent: this.path.parent, hist: this.path.hist.slice() };
    if (p.parent) p.parent.branches++;
    this.pending.push(p);
    this.pushedNow.push(p);
  }

  /** find_prev_entry: the most recent unfinished checkpoint at `pc` older than the path's own. */
  prevEntry(pc: number): Checkpoint | undefined {
    const list = this.explored.get(pc) ?? [];
    const own = this.path.parent;
    for (let i = list.length - 1; i >= 0; i--) {
      const cp = list[i]!;
      if (cp !== own && cp.branches > 0 && cp.st.frames.length === this.st.frames.length) return cp;
    }
    return undefined;
  }

  log(text: string): void {
    if (this.logging) this.env.events.push({ kind: 'note', text });
  }

  /** Runs to completion; throws Reject on the first error. */
  run(): void {
    const env = this.env;
    for (;;) {
      if (++env.insnProcessed > (env.insnLimit ?? BPF_COMPLEXITY_LIMIT_INSNS)) {
        reject(`BPF program is too large. Processed ${env.insnProcessed} insn`, E2BIG);
      }
      const path = this.path;
      const pc = path.pc;
      if (env.prune && this.cfg.prunePoint[pc] && this.isStateVisited(path)) {
        if (this.logging) env.events.push({ kind: 'safe', pc });
        if (!this.endPath()) return;
        continue;
      }
      const next = this.execute(path);
      if (next === EXIT_PATH) {
        if (!this.endPath()) return;
        continue;
      }
      path.from = pc;
      path.pc = next;
    }
  }

  /** One instruction on one path: the handler of its kind, the history entry, the log line.
   * Returns the next slot or EXIT_PATH; the branches it queued are in `pushedNow`. */
  private execute(path: Path): number {
    const env = this.env;
    const pc = path.pc;
    const insn = env.insnAt[pc];
    const row = insn ? opcodeRow(insn.code) : undefined;
    if (!insn || !row) reject(`unknown insn class ${insn ? bpfClass(insn.code) : 0}`, EINVAL);
    this.pc = pc;
    this.st = path.st;
    this.stackNote = -1;
    this.pushedNow = [];
    const frame = path.st.frames.length - 1;
    const before = this.logging ? this.snapshot() : undefined;
    const cls = bpfClass(insn.code);
    if (cls === BPF_JMP || cls === BPF_JMP32) env.jmpsProcessed++;
    const next = HANDLERS[row.kind](this, insn);
    if (!this.guided) {
      const e = histEntry(pc, frame, this.stackNote % 8, this.stackNote < 0 ? -1 : Math.floor(this.stackNote / 8));
      path.hist.push(e);
      for (const p of this.pushedNow) p.hist.push(e);
    }
    if (before) this.logInsn(pc, insn, frame, before);
    return next;
  }

  /**
   * Follows one concrete run (a VM trace) through the transfer functions instead of exploring
   * every path: at each step the path's abstract state must contain the concrete registers; at a
   * branch the path continues with the successor the run took. Without pruning nothing can hide a
   * path, so this checks exactly what exploring every path would, on the path that ran, at the
   * cost of one transfer per executed instruction. Precision tracking is off (nothing is pruned).
   *
   * Returns the first violation and the number of steps checked. The check ends (`lost`) where the model and the run stop
   * corresponding (a callback the model simulates differently, a reject the pruned exploration
   * did not meet): from there nothing is claimed.
   */
  replay(trace: readonly ConcreteStep[]): ReplayOutcome {
    this.guided = true;
    const first = trace[0];
    if (!first) return { checked: 0 };
    if (first.slot !== 0 || first.frame !== 0) return { checked: 0, lost: `the run is at insn ${first.slot}, the model at insn 0` };
    const entry = stepViolation([this.path.st], first, this.live[0]!);
    if (entry) return { checked: 0, violation: entry };
    // Every model path that could be the run's: usually one. Both sides of a branch can reach the
    // same instruction (`if r3 s< 0 goto +0`) with the register that tells them apart dead there,
    // so the run's side is known only later, when one of them fails to hold a step.
    let paths: Path[] = [this.path];
    for (let i = 0; i < trace.length; i++) {
      const step = trace[i]!;
      const following = trace[i + 1];
      const successors: Path[] = [];
      let rejected: string | undefined;
      let branch: Insn | undefined;
      for (const path of paths) {
        let next: number;
        try {
          next = this.execute(path);
        } catch (e) {
          if (!(e instanceof Reject)) throw e;
          rejected = e.text;
          continue;
        }
        if (this.isBranch(path.pc)) branch = this.env.insnAt[path.pc];
        if (next !== EXIT_PATH) successors.push({ ...path, pc: next });
        successors.push(...this.pushedNow);
      }
      if (successors.length === 0 && rejected !== undefined) return { checked: i + 1, lost: `the model rejects insn ${step.slot} on this path: ${rejected}` };
      if (!following) return { checked: i + 1 };
      const taken = successors.filter((p) => p.pc === following.slot && p.st.frames.length - 1 === following.frame);
      if (taken.length === 0) {
        if (branch) return { checked: i + 1, violation: branchViolation(branch, step, following) };
        return { checked: i + 1, lost: `after insn ${step.slot} the run goes to insn ${following.slot}, the model to ${successors.map((p) => p.pc).join(', ') || 'nowhere'}` };
      }
      const live = this.live[following.slot]!;
      const holding = taken.filter((p) => !stepViolation([p.st], following, live));
      if (holding.length === 0) return { checked: i + 1, violation: stepViolation(taken.map((p) => p.st), following, live)! };
      if (holding.length > MAX_REPLAY_PATHS) return { checked: i + 1, lost: `more than ${MAX_REPLAY_PATHS} model paths fit the run at insn ${following.slot}` };
      paths = holding;
    }
    return { checked: trace.length };
  }

  private isBranch(pc: number): boolean {
    const insn = this.env.insnAt[pc];
    const kind = insn ? opcodeRow(insn.code)?.kind : undefined;
    return kind === 'jcond' || kind === 'may_goto';
  }

  private snapshot(): { regs: unknown[]; stack: unknown[]; depth: number } {
    const f = this.cur();
    return { regs: f.regs.slice(), stack: f.stack.slice(), depth: this.st.frames.length };
  }

  /** The instruction line; the state after it shows what the instruction wrote (the kernel prints
   * the registers and slots it "scratched"). */
  private logInsn(pc: number, insn: Insn, frame: number, before: { regs: unknown[]; stack: unknown[]; depth: number }): void {
    const env = this.env;
    const text = kernelInsnBody(insn);
    let after;
    if (env.logLevel >= 2) {
      const full = toLogState(this.st);
      const f = this.cur();
      const same = before.depth === this.st.frames.length;
      const cur = full.frames[full.frames.length - 1]!;
      const regs = new Map([...cur.regs].filter(([r]) => !same || f.regs[r] !== before.regs[r]));
      const stack = cur.stack.filter((sl) => !same || f.stack[-sl.off / 8 - 1] !== before.stack[-sl.off / 8 - 1]);
      if (regs.size || stack.length) after = { frames: [{ ...cur, regs, stack }] };
    }
    env.events.push({ kind: 'insn', pc, code: insn.code, text, ...(after ? { after } : {}), frame });
  }

  /** The current path is done (exit or pruned): update branch counts, pop the next one. */
  private endPath(): boolean {
    for (let c = this.path.parent; c; c = c.parent) {
      c.branches--;
      if (c.branches > 0) break;
    }
    const next = this.pending.pop();
    if (!next) return false;
    this.path = next;
    this.st = next.st;
    if (this.logging) {
      this.env.events.push({ kind: 'branch', from: next.from, to: next.pc, state: toLogState(next.st) });
    }
    return true;
  }

  /** is_state_visited: prune against a complete equivalent checkpoint, or add one. */
  private isStateVisited(path: Path): boolean {
    const env = this.env;
    const pc = path.pc;
    let list = this.explored.get(pc);
    let addNew = this.cfg.forceCheckpoint[pc] === 1
      || (env.jmpsProcessed - env.prevJmpsProcessed >= 2 && env.insnProcessed - env.prevInsnProcessed >= 8);
    let n = 0;
    if (list) {
      for (let i = 0; i < list.length; i++) {
        const cp = list[i]!;
        n++;
        if (cp.branches > 0) {
          if (this.cfg.forceCheckpoint[pc] && (cp.st.mayGotoDepth ?? 0) !== (path.st.mayGotoDepth ?? 0)
            && statesEqual(cp, path.st, this.live, 'range')) {
            cp.hitCnt++;
            return true;
          }
          if ((cp.st.mayGotoDepth ?? 0) === (path.st.mayGotoDepth ?? 0) && statesMaybeLooping(cp.st, path.st) && statesEqual(cp, path.st, this.live, true)) {
            reject(`infinite loop detected at insn ${pc}`, EINVAL);
          }
          if (env.jmpsProcessed - env.prevJmpsProcessed < 20 && env.insnProcessed - env.prevInsnProcessed < 100) addNew = false;
        } else if (statesEqual(cp, path.st, this.live, false)) {
          cp.hitCnt++;
          this.propagatePrecision(cp, path);
          return true;
        }
        // miss: evict states that keep missing (the kernel's miss_cnt heuristic)
        if (addNew) cp.missCnt++;
        const lim = this.cfg.forceCheckpoint[pc] === 1 && cp.branches > 0 ? 64 : 3;
        if (cp.missCnt > cp.hitCnt * lim + lim) { list.splice(i, 1); i--; }
      }
    }
    if (env.maxStatesPerInsn < n) env.maxStatesPerInsn = n;
    if (!addNew) return false;
    const cp: Checkpoint = {
      pc, st: cloneState(path.st), parent: path.parent, hist: path.hist, branches: 1, missCnt: 0, hitCnt: 0, precise: new Set(), allPrecise: false,
    };
    if (!list) { list = []; this.explored.set(pc, list); }
    list.push(cp);
    env.totalStates++;
    env.peakStates++;
    env.prevJmpsProcessed = env.jmpsProcessed;
    env.prevInsnProcessed = env.insnProcessed;
    path.parent = cp;
    path.hist = [];
    return false;
  }

  /** propagate_precision: what was precise in old must be precise in the pruned path's ancestors. */
  private propagatePrecision(old: Checkpoint, path: Path): void {
    const bt = new BtState();
    const frames = old.st.frames;
    for (let f = 0; f < frames.length; f++) {
      const fr = frames[f]!;
      for (let r = 0; r < 10; r++) {
        if (fr.regs[r]!.type !== 'scalar') continue;
        if (old.allPrecise || old.precise.has(regKey(f, r))) bt.setReg(f, r);
      }
      for (let spi = 0; spi < fr.stack.length; spi++) {
        const sl = fr.stack[spi];
        if (!sl || !isSpilledScalar(sl)) continue;
        if (old.allPrecise || old.precise.has(slotKey(f, spi))) bt.slots[f]!.add(spi);
      }
    }
    if (!bt.empty()) backtrack(this.env, path.hist, path.parent, bt);
  }
}

export function explore(env: Env, cfg: CfgInfo, live: Uint16Array): void {
  new Explorer(env, cfg, live).run();
}

/** What replaying a run found: how many steps were checked, and the first violation, or why the
 * check ended early (`lost`). */
export interface ReplayOutcome {
  readonly checked: number;
  readonly violation?: ContainmentViolation;
  readonly lost?: string;
}

/** The containment check of one concrete run (Explorer.replay). */
export function replayTrace(env: Env, cfg: CfgInfo, live: Uint16Array, trace: readonly ConcreteStep[]): ReplayOutcome {
  return new Explorer(env, cfg, live).replay(trace);
}
