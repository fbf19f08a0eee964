/**
 * Static passes before the abstract interpretation, in the kernel's order and with its texts:
 * resolve_pseudo_ldimm64 (reserved LDX fields, ld_imm64 shape and map references, unknown
 * opcodes), add_subprog_and_kfunc + check_subprogs (call targets, jumps leaving a subprogram,
 * the last instruction), check_cfg (depth-first: unreachable instructions, jumps into an ld_imm64)
 * and the prune points the explorer uses.
 * Invariant: every index here is a slot index (an ld_imm64 occupies two).
 */
import type { Insn } from '../isa/insn.ts';
import {
  BPF_CALL, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX, BPF_MEM, BPF_MEMSX, BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC, bpfClass, bpfMode, bpfOp, opcodeRow,
} from '../isa/opcodes.ts';
import { MAP_TYPES } from '../isa/program.ts';
import type { Env } from './env.ts';
import { E2BIG, EINVAL, reject } from './checks/reject.ts';

const LD_IMM64 = 0x18;
export const BPF_MAX_VAR_OFF = 1 << 29;

const isPseudoCall = (i: Insn): boolean => i.code === (BPF_JMP | BPF_CALL) && i.src === BPF_PSEUDO_CALL;
const isPseudoFunc = (i: Insn): boolean => i.code === LD_IMM64 && i.src === BPF_PSEUDO_FUNC;
const isJmpClass = (code: number): boolean => bpfClass(code) === BPF_JMP || bpfClass(code) === BPF_JMP32;

/** Jump target of a jump instruction at slot t (gotol uses imm). */
export function jumpTarget(insn: Insn, t: number): number {
  if (insn.code === (BPF_JMP32 | BPF_JA)) return t + insn.imm + 1;
  return t + insn.off + 1;
}

/** resolve_pseudo_ldimm64: the linear sanity pass. */
export function resolvePseudoLdimm64(env: Env): void {
  for (let i = 0; i < env.len; i++) {
    const insn = env.insnAt[i];
    if (!insn) continue;
    if (bpfClass(insn.code) === BPF_LDX && ((bpfMode(insn.code) !== BPF_MEM && bpfMode(insn.code) !== BPF_MEMSX) || insn.imm !== 0)) {
      reject('BPF_LDX uses reserved fields', EINVAL);
    }
    if (insn.code === LD_IMM64) checkLdImm64(env, insn, i);
  }
}

/** bpf_opcode_in_insntable, which 6.18 applies after check_subprogs (measured: an all-zero
 * program reports `last insn is not an exit or jmp`, not `unknown opcode 00`). */
export function checkOpcodes(env: Env): void {
  for (let i = 0; i < env.len; i++) {
    const insn = env.insnAt[i];
    if (insn && insn.code !== LD_IMM64 && !opcodeRow(insn.code)) {
      reject(`unknown opcode ${insn.code.toString(16).padStart(2, '0')}`, EINVAL);
    }
  }
}

function checkLdImm64(env: Env, insn: Insn, i: number): void {
  const hi = insn.hi;
  if (!hi || hi.code !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0) reject('invalid bpf_ld_imm64 insn', EINVAL);
  const src = insn.src;
  if (src === 0 || src === 3 || src === BPF_PSEUDO_FUNC) return;
  if (!(src === 2 || src === 6 || ((src === 1 || src === 5) && hi.imm === 0))) reject('unrecognized bpf_ld_imm64 insn', EINVAL);
  const map = mapOfLdImm64(env, insn);
  if (!map) reject(`fd ${insn.imm} is not pointing to valid bpf_map`, 9 /* EBADF */);
  if (src === 2 || src === 6) {
    const off = hi.imm >>> 0;
    if (off >= BPF_MAX_VAR_OFF) reject(`direct value offset of ${off} is not allowed`, EINVAL);
    if (map.type !== 'array' && map.type !== 'percpu_array') reject('no direct value access support for this map type', EINVAL);
    if (map.maxEntries !== 1 || off >= map.valueSize) {
      reject(`invalid access to map value pointer, value_size=${map.valueSize} off=${off}`, EINVAL);
    }
  }
}

/** The MapDef an ld_imm64 refers to (src 5/6 by index; src 1/2 treat imm as the index too). */
export function mapOfLdImm64(env: Env, insn: Insn): (typeof env.maps)[number] | undefined {
  if (insn.src === 5 || insn.src === 6) return env.maps[insn.imm];
  if (insn.src === 1 || insn.src === 2) return undefined;
  return undefined;
}
export const mapIndexOf = (insn: Insn): number => insn.imm;

/** add_subprog_and_kfunc + check_subprogs. */
export function findSubprogs(env: Env): void {
  const starts = new Set<number>([0]);
  for (let i = 0; i < env.len; i++) {
    const insn = env.insnAt[i];
    if (!insn || !(isPseudoCall(insn) || isPseudoFunc(insn))) continue;
    const target = i + insn.imm + 1;
    if (target < 0 || target >= env.len) reject('call to invalid destination', EINVAL);
    starts.add(target);
  }
  const sorted = [...starts].sort((a, b) => a - b);
  env.subprogs = sorted.map((start) => ({ start, stackDepth: 0 }));
  let cur = 0;
  for (let i = 0; i < env.len; i++) {
    while (cur + 1 < sorted.length && sorted[cur + 1]! <= i) cur++;
    env.subprogOf[i] = cur;
  }
  checkSubprogJumps(env, sorted);
}

function checkSubprogJumps(env: Env, starts: number[]): void {
  let sp = 0;
  let start = starts[0]!;
  let end = starts[1] ?? env.len;
  for (let i = 0; i < env.len; i++) {
    const code = env.insnAt[i]?.code ?? 0;
    const insn = env.insnAt[i];
    if (insn && isJmpClass(code) && bpfOp(code) !== BPF_EXIT && bpfOp(code) !== BPF_CALL) {
      const off = jumpTarget(insn, i);
      if (off < start || off >= end) reject(`jump out of range from insn ${i} to ${off}`, EINVAL);
    }
    if (i === end - 1) {
      if (code !== (BPF_JMP | BPF_EXIT) && code !== (BPF_JMP32 | BPF_JA) && code !== (BPF_JMP | BPF_JA)) {
        reject('last insn is not an exit or jmp', EINVAL);
      }
      sp++;
      start = end;
      end = starts[sp + 1] ?? env.len;
    }
  }
}

export interface CfgInfo {
  readonly prunePoint: Uint8Array;
  readonly forceCheckpoint: Uint8Array;
}

/** Successor edges of one instruction: [fallthrough..., branch...]. */
function successors(insn: Insn, t: number): { fall: number[]; branch: number[] } {
  const code = insn.code;
  if (isPseudoFunc(insn)) return { fall: [t + 2], branch: [t + insn.imm + 1] };
  if (!isJmpClass(code)) return { fall: [t + (code === LD_IMM64 ? 2 : 1)], branch: [] };
  const op = bpfOp(code);
  if (op === BPF_EXIT) return { fall: [], branch: [] };
  if (op === BPF_CALL) return { fall: [t + 1], branch: isPseudoCall(insn) ? [t + insn.imm + 1] : [] };
  if (op === BPF_JA) return { fall: [jumpTarget(insn, t)], branch: [] };
  return { fall: [t + 1], branch: [jumpTarget(insn, t)] };
}

/** check_cfg: depth-first over the control flow graph from insn 0. */
export function checkCfg(env: Env): CfgInfo {
  const len = env.len;
  const state = new Uint8Array(len); // 0 unseen, 1 discovered, 2 explored
  const prunePoint = new Uint8Array(len);
  const forceCheckpoint = new Uint8Array(len);
  const stack: number[] = [0];
  state[0] = 1;
  const edgeIdx = new Int32Array(len);
  const succCache: ({ fall: number[]; branch: number[] } | undefined)[] = new Array(len);
  while (stack.length > 0) {
    const t = stack[stack.length - 1]!;
    const insn = env.insnAt[t] ?? { code: 0, dst: 0, src: 0, off: 0, imm: 0 };
    let succ = succCache[t];
    if (!succ) {
      succ = successors(insn, t);
      succCache[t] = succ;
      markPrunePoints(insn, t, succ, prunePoint, forceCheckpoint);
    }
    const all = [...succ.fall, ...succ.branch];
    const k = edgeIdx[t]!;
    if (k >= all.length) {
      state[t] = 2;
      stack.pop();
      continue;
    }
    edgeIdx[t] = k + 1;
    const w = all[k]!;
    if (w < 0 || w >= len) reject(`jump out of range from insn ${t} to ${w}`, EINVAL);
    if (state[w] === 0) {
      state[w] = 1;
      stack.push(w);
    }
  }
  for (let i = 0; i < len; i++) {
    if (state[i] !== 2) reject(`unreachable insn ${i}`, EINVAL);
    if (env.insnAt[i]?.code === LD_IMM64) {
      if (i + 1 < len && state[i + 1] !== 0) reject(`jump into the middle of ldimm64 insn ${i}`, EINVAL);
      i++;
    }
  }
  return { prunePoint, forceCheckpoint };
}

function markPrunePoints(insn: Insn, t: number, succ: { fall: number[]; branch: number[] }, pp: Uint8Array, fc: Uint8Array): void {
  const mark = (w: number): void => { if (w >= 0 && w < pp.length) pp[w] = 1; };
  succ.branch.forEach(mark);
  const code = insn.code;
  if (isPseudoFunc(insn)) { mark(t + 2); mark(t); return; }
  if (!isJmpClass(code)) return;
  const op = bpfOp(code);
  if (op === BPF_CALL) {
    mark(t + 1);
    if (isPseudoCall(insn)) mark(t);
  } else if (op === BPF_JA) {
    mark(succ.fall[0]!);
  } else if (op !== BPF_EXIT) {
    mark(t);
    if (op === 0xe0) fc[t] = 1; // may_goto
  }
}

export const MAX_SUBPROGS = 256;
export const tooManySubprogs = (env: Env): void => {
  if (env.subprogs.length > MAX_SUBPROGS) reject('too many subprograms', E2BIG);
};
export { LD_IMM64, isPseudoCall, isPseudoFunc, isJmpClass, MAP_TYPES };
