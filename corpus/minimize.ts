/**
 * The minimizer: shrink a program while a predicate (typically "same bucket key") stays true.
 *
 * It works on the builder's symbolic form (harness/isa/builder.ts): labels stay where they are
 * when instructions are deleted, so a jump whose target was deleted lands on the next surviving
 * instruction; a jump whose label ends up past the last instruction is dropped. Phases, repeated
 * until nothing changes: (1) ddmin over the instructions, (2) operand simplification (constants
 * toward 0 and small powers of two, registers renamed to lower unused numbers), (3) a sweep of
 * single deletions, (4) maps no instruction refers to any more are dropped (later map indices
 * in src=5/6 ld_imm64 move down). Deterministic: no randomness; the same input and predicate give the same
 * output. Invariant: the result satisfies the predicate, is never longer than the input, every
 * symbolic jump resolves inside the program, and (unless the budget ran out) no single
 * instruction can be deleted.
 */
import { type SymItem, resolve, symbolize, targetField } from '../harness/isa/builder.ts';
import { type Insn, LD_IMM64_CODE, slotsOf } from '../harness/isa/insn.ts';
import type { MapDef, Program } from '../harness/isa/program.ts';
import { BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE } from '../harness/isa/opcodes.ts';
import { encodeHex } from '../harness/isa/codec.ts';
import { ddmin } from './ddmin.ts';
import { fieldVariants, regsOf, renameReg, valueFields } from './simplify.ts';

export interface MinimizeOptions {
  /** Upper bound on predicate evaluations (default 5000). */
  readonly maxTests?: number;
  /** Wall-clock limit (epoch ms): past it no new candidate is tested, the best so far is kept.
   * The result is then timing-dependent; without it minimization is deterministic. */
  readonly deadline?: number;
}

export interface MinimizeResult {
  readonly program: Program;
  readonly tests: number;
  readonly exhausted: boolean;
}

type InsnItem = Extract<SymItem, { kind: 'insn' }>;

/** Remove jumps whose label sits after the last instruction (nothing to land on). */
function dropDanglingJumps(items: readonly SymItem[]): SymItem[] {
  const trailing = new Set<string>();
  for (let i = items.length - 1; i >= 0 && items[i]!.kind === 'label'; i--) trailing.add((items[i] as { name: string }).name);
  if (!trailing.size) return [...items];
  return items.filter((it) => !(it.kind === 'insn' && it.target !== undefined && trailing.has(it.target)));
}

/** Symbolic items to instructions, or undefined when they do not resolve. */
export function materialize(items: readonly SymItem[]): Insn[] | undefined {
  try {
    return resolve(dropDanglingJumps(items));
  } catch {
    return undefined;
  }
}

/** The program without its instruction `pc` (same retargeting rules as the minimizer). */
export function withoutInsn(program: Program, pc: number): Program {
  const items = symbolize(program.insns);
  let seen = -1;
  const kept = items.filter((it) => it.kind === 'label' || ++seen !== pc);
  return { ...program, insns: materialize(kept) ?? [] };
}

/**
 * Do all jumps land on an instruction of the program? (jumps, gotol, may_goto, bpf-to-bpf
 * calls, ld_imm64 pseudo-func, all by slot.)
 */
export function jumpsInRange(insns: readonly Insn[]): boolean {
  const starts = new Set<number>();
  let slot = 0;
  for (const insn of insns) {
    starts.add(slot);
    slot += slotsOf(insn);
  }
  slot = 0;
  for (const insn of insns) {
    const f = targetField(insn);
    if (f && !starts.has(slot + 1 + insn[f])) return false;
    slot += slotsOf(insn);
  }
  return true;
}

/** Predicate evaluation with a cache (by bytecode and maps) and a budget. */
class Oracle {
  tests = 0;
  private readonly cache = new Map<string, boolean>();
  /** The maps of the current best program (the map phase may drop some). */
  maps: readonly MapDef[];
  constructor(private readonly base: Program, private readonly pred: (p: Program) => boolean, readonly max: number,
    private readonly deadline = Infinity) {
    this.maps = base.maps;
  }
  get exhausted(): boolean { return this.tests >= this.max || Date.now() >= this.deadline; }
  private key(insns: readonly Insn[], maps: readonly MapDef[]): string { return `${encodeHex(insns)}|${JSON.stringify(maps)}`; }
  /** Was this program tested and found to hold? */
  held(insns: readonly Insn[]): boolean { return this.cache.get(this.key(insns, this.maps)) === true; }
  holds(items: readonly SymItem[], maps: readonly MapDef[] = this.maps): boolean {
    const insns = materialize(items);
    if (!insns) return false;
    const key = this.key(insns, maps);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    if (this.exhausted) return false;
    this.tests += 1;
    const ok = this.pred({ ...this.base, insns, maps });
    this.cache.set(key, ok);
    return ok;
  }
}

const isMapRef = (insn: Insn): boolean =>
  insn.code === LD_IMM64_CODE && (insn.src === BPF_PSEUDO_MAP_IDX || insn.src === BPF_PSEUDO_MAP_IDX_VALUE);

/** Items and maps without map `j`: references to later maps move down by one. */
function withoutMap(items: readonly SymItem[], maps: readonly MapDef[], j: number): { items: SymItem[]; maps: MapDef[] } {
  return {
    items: items.map((it) => (it.kind === 'insn' && isMapRef(it.insn) && it.insn.imm > j ? { ...it, insn: { ...it.insn, imm: it.insn.imm - 1 } } : it)),
    maps: maps.filter((_, k) => k !== j),
  };
}

/** Drop maps no instruction refers to (highest index first), while the predicate holds. */
function mapPhase(items: SymItem[], o: Oracle): { items: SymItem[]; changed: boolean } {
  let changed = false;
  for (let j = o.maps.length - 1; j >= 0; j--) {
    const used = items.some((it) => it.kind === 'insn' && isMapRef(it.insn) && it.insn.imm === j);
    if (used) continue;
    const cand = withoutMap(items, o.maps, j);
    if (o.holds(cand.items, cand.maps)) {
      items = cand.items;
      o.maps = cand.maps;
      changed = true;
    }
  }
  return { items, changed };
}

/** Rebuild items keeping every label and the instruction items whose index is in `keep`. */
function keepInsns(items: readonly SymItem[], keep: ReadonlySet<number>): SymItem[] {
  return items.filter((it, i) => it.kind === 'label' || keep.has(i));
}

function deletionPhase(items: SymItem[], o: Oracle): SymItem[] {
  const insnIdx = items.flatMap((it, i) => (it.kind === 'insn' ? [i] : []));
  const r = ddmin(insnIdx, (subset) => o.holds(keepInsns(items, new Set(subset))));
  return keepInsns(items, new Set(r.items));
}

/** One pass of single deletions, restarting after each success; returns whether it changed. */
function sweepPhase(items: SymItem[], o: Oracle): { items: SymItem[]; changed: boolean } {
  let changed = false;
  for (let i = 0; i < items.length && !o.exhausted; i++) {
    if (items[i]!.kind !== 'insn') continue;
    const cand = items.filter((_, j) => j !== i);
    if (o.holds(cand)) {
      items = cand;
      changed = true;
      i = -1;
    }
  }
  return { items, changed };
}

function replaceAt(items: readonly SymItem[], i: number, insn: Insn): SymItem[] {
  const old = items[i] as InsnItem;
  const next: InsnItem = old.target === undefined ? { kind: 'insn', insn } : { kind: 'insn', insn, target: old.target };
  return items.map((it, j) => (j === i ? next : it));
}

function constantPhase(items: SymItem[], o: Oracle): { items: SymItem[]; changed: boolean } {
  let changed = false;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (it.kind !== 'insn') continue;
    for (const field of valueFields(it.insn)) {
      const hit = fieldVariants((items[i] as InsnItem).insn, field).find((v) => o.holds(replaceAt(items, i, v)));
      if (hit) {
        items = replaceAt(items, i, hit);
        changed = true;
      }
    }
  }
  return { items, changed };
}

function renameAll(items: readonly SymItem[], from: number, to: number): SymItem[] {
  return items.map((it) => (it.kind === 'insn' ? { ...it, insn: renameReg(it.insn, from, to) } : it));
}

/** Rename each register (high first, never r10) to the lowest unused lower register that keeps the predicate. */
function registerPhase(items: SymItem[], o: Oracle): { items: SymItem[]; changed: boolean } {
  let changed = false;
  for (let r = 9; r >= 1; r--) {
    const used = new Set(items.flatMap((it) => (it.kind === 'insn' ? regsOf(it.insn) : [])));
    if (!used.has(r)) continue;
    for (let s = 0; s < r; s++) {
      if (used.has(s)) continue;
      const cand = renameAll(items, r, s);
      if (o.holds(cand)) {
        items = cand;
        changed = true;
        break;
      }
    }
  }
  return { items, changed };
}

/** Shrink `program` while `pred` holds. `pred(program)` must hold on entry. */
export function minimize(program: Program, pred: (p: Program) => boolean, opts: MinimizeOptions = {}): MinimizeResult {
  const o = new Oracle(program, pred, opts.maxTests ?? 5000, opts.deadline);
  let items = symbolize(program.insns);
  for (let round = 0; round < 20 && !o.exhausted; round++) {
    items = deletionPhase(items, o);
    const c = constantPhase(items, o);
    const r = registerPhase(c.items, o);
    const s = sweepPhase(r.items, o);
    const m = mapPhase(s.items, o);
    items = m.items;
    if (!c.changed && !r.changed && !s.changed && !m.changed) break;
  }
  const insns = materialize(items);
  // Return only a program the predicate was seen to hold on; the input when nothing was accepted.
  const ok = insns && o.held(insns) && insns.length <= program.insns.length;
  const best = ok ? { ...program, insns, maps: o.maps } : program;
  return { program: best, tests: o.tests, exhausted: o.exhausted };
}
