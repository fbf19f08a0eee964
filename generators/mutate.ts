/**
 * Mutation of corpus programs: pick a program, then apply one to three mutations on its symbolic
 * form (builder SymItems, so jumps stay valid): an operand tweak (constant to a neighbour or an
 * edge, offset +-1, another register), an inserted random ALU instruction or forward jump, a
 * deleted instruction, a branch flip (the opposite condition, or signed <-> unsigned, 64 <-> 32
 * bit), or a jump retargeted to another label. A mutant that no longer resolves (a jump pushed
 * out of range) is replaced by its parent. Mutants of valid programs stay valid instructions.
 */
import { type SymItem, Label, resolve, symbolize } from '../harness/isa/builder.ts';
import { type Insn } from '../harness/isa/insn.ts';
import { BPF_JMP, BPF_JMP32, bpfClass, bpfOp, opcodeRow } from '../harness/isa/opcodes.ts';
import type { Program } from '../harness/isa/program.ts';
import { checkInsn } from '../harness/isa/validate.ts';
import type { Draw } from './draw.ts';
import type { Family } from './family.ts';
import { randomAlu, randomCondJump } from './frame.ts';
import { valueFields } from '../corpus/simplify.ts';

type InsnItem = Extract<SymItem, { kind: 'insn' }>;

/** Conditional jump op pairs that a flip swaps (op codes, class bits apart). */
const FLIP: Readonly<Record<number, number>> = {
  0x10: 0x50, 0x50: 0x10, // jeq <-> jne
  0x20: 0xb0, 0xb0: 0x20, // jgt <-> jle
  0x30: 0xa0, 0xa0: 0x30, // jge <-> jlt
  0x60: 0xd0, 0xd0: 0x60, // jsgt <-> jsle
  0x70: 0xc0, 0xc0: 0x70, // jsge <-> jslt
};
const SIGN_SWAP: Readonly<Record<number, number>> = { 0x20: 0x60, 0x60: 0x20, 0x30: 0x70, 0x70: 0x30, 0xa0: 0xc0, 0xc0: 0xa0, 0xb0: 0xd0, 0xd0: 0xb0 };

const isCond = (insn: Insn): boolean => opcodeRow(insn.code)?.kind === 'jcond';
const insnIndices = (items: readonly SymItem[], ok: (i: Insn) => boolean = () => true): number[] =>
  items.flatMap((it, i) => (it.kind === 'insn' && ok(it.insn) ? [i] : []));
const setInsn = (items: readonly SymItem[], i: number, insn: Insn): SymItem[] =>
  items.map((it, j) => (j === i ? { ...(it as InsnItem), insn } : it));

function tweakOperand(d: Draw, items: SymItem[]): SymItem[] {
  const idx = insnIndices(items, (x) => checkInsn(x) === undefined);
  if (!idx.length) return items;
  const i = d.pick(idx);
  const insn = (items[i] as InsnItem).insn;
  const fields = valueFields(insn).filter((f) => f !== 'imm64');
  const choice = d.weighted([['value', fields.length ? 3 : 0], ['reg', 1]] as const);
  if (choice === 'value') {
    const f = d.pick(fields) as 'imm' | 'off';
    const v = f === 'off'
      ? Math.max(-0x8000, Math.min(0x7fff, insn.off + d.pick([-8, -1, 1, 8])))
      : d.bool() ? (insn.imm + d.pick([-1, 1])) | 0 : d.imm32();
    return setInsn(items, i, { ...insn, [f]: v });
  }
  const row = opcodeRow(insn.code)!;
  const r = d.int(0, 9);
  if (row.dst.kind === 'reg' && d.bool()) return setInsn(items, i, { ...insn, dst: r });
  if (row.src.kind === 'reg') return setInsn(items, i, { ...insn, src: r });
  return items;
}

function insert(d: Draw, items: SymItem[]): SymItem[] {
  const at = d.int(0, Math.max(0, items.length - 1)); // never after the final exit
  const added: SymItem[] = [randomAlu(d)];
  if (d.bool(0.3)) {
    // a forward jump to a new label placed a little further on
    const name = `m${items.length}_${at}`;
    const land = d.int(at, Math.max(at, items.length - 1));
    const withLabel = [...items.slice(0, land), Label(name), ...items.slice(land)];
    return [...withLabel.slice(0, at), randomCondJump(d, name), ...withLabel.slice(at)];
  }
  return [...items.slice(0, at), ...added, ...items.slice(at)];
}

function remove(d: Draw, items: SymItem[]): SymItem[] {
  const idx = insnIndices(items);
  if (idx.length <= 1) return items;
  const i = d.pick(idx.slice(0, -1)); // keep the last instruction (usually the exit)
  return items.filter((_, j) => j !== i);
}

function flipBranch(d: Draw, items: SymItem[]): SymItem[] {
  const idx = insnIndices(items, isCond);
  if (!idx.length) return items;
  const i = d.pick(idx);
  const insn = (items[i] as InsnItem).insn;
  const op = bpfOp(insn.code);
  const cls = bpfClass(insn.code);
  const rest = insn.code & 0x0f & ~0x07; // the K/X bit
  const how = d.weighted([['negate', 3], ['sign', SIGN_SWAP[op] ? 1 : 0], ['width', 1]] as const);
  if (how === 'negate' && FLIP[op] !== undefined) return setInsn(items, i, { ...insn, code: FLIP[op]! | rest | cls });
  if (how === 'sign' && SIGN_SWAP[op] !== undefined) return setInsn(items, i, { ...insn, code: SIGN_SWAP[op]! | rest | cls });
  return setInsn(items, i, { ...insn, code: op | rest | (cls === BPF_JMP ? BPF_JMP32 : BPF_JMP) });
}

function retarget(d: Draw, items: SymItem[]): SymItem[] {
  const labels = items.flatMap((it) => (it.kind === 'label' ? [it.name] : []));
  const idx = items.flatMap((it, i) => (it.kind === 'insn' && it.target !== undefined && isCond(it.insn) ? [i] : []));
  if (!labels.length || !idx.length) return items;
  const i = d.pick(idx);
  return items.map((it, j) => (j === i ? { ...(it as InsnItem), target: d.pick(labels) } : it));
}

const MUTATIONS = { tweak: tweakOperand, insert, remove, flip: flipBranch, retarget } as const;

/** One to three mutations of `p`; the parent when a mutant does not resolve. */
export function mutateProgram(d: Draw, p: Program): Program {
  let items = symbolize(p.insns);
  const n = d.int(1, 3);
  for (let k = 0; k < n; k++) {
    const m = d.weighted([['tweak', 4], ['insert', 2], ['remove', 2], ['flip', 2], ['retarget', 1]] as const);
    items = MUTATIONS[m](d, items);
  }
  try {
    return { ...p, insns: resolve(items) };
  } catch {
    return p;
  }
}

/** The mutation family over a fixed list of parent programs (the corpus). */
export function mutateFamily(parents: readonly Program[], weight = 3): Family {
  if (!parents.length) throw new Error('mutateFamily needs at least one parent program');
  return { name: 'mutate', weight, build: (d) => mutateProgram(d, d.pick(parents)) };
}

