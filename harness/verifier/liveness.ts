/**
 * Static register liveness (the kernel's compute_live_registers, 6.15+): for each slot, the set
 * of registers r0..r9 read on some path before being written. State pruning ignores registers
 * that are dead at the prune point.
 * Invariant: the analysis over-approximates liveness (calls read r1..r5), which is sound: a live
 * register is compared, a dead one may be anything.
 */
import type { Insn } from '../isa/insn.ts';
import {
  BPF_ABS, BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_END, BPF_EXIT, BPF_FETCH, BPF_IND, BPF_JA,
  BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX, BPF_MOV, BPF_NEG, BPF_ST, BPF_STX, BPF_X, bpfClass, bpfMode, bpfOp, bpfSrc,
} from '../isa/opcodes.ts';
import { jumpTarget, LD_IMM64 } from './cfg.ts';
import type { Env } from './env.ts';

const bit = (r: number): number => (r >= 0 && r < 10 ? 1 << r : 0);
const ARGS = 0b111110; // r1..r5
const CALLER_SAVED = 0b111111; // r0..r5

function useDef(insn: Insn): [number, number] {
  const cls = bpfClass(insn.code);
  const op = bpfOp(insn.code);
  switch (cls) {
    case BPF_ALU: case BPF_ALU64: {
      if (op === BPF_MOV) return [bpfSrc(insn.code) === BPF_X ? bit(insn.src) : 0, bit(insn.dst)];
      if (op === BPF_NEG || op === BPF_END) return [bit(insn.dst), bit(insn.dst)];
      return [bit(insn.dst) | (bpfSrc(insn.code) === BPF_X ? bit(insn.src) : 0), bit(insn.dst)];
    }
    case BPF_LDX: return [bit(insn.src), bit(insn.dst)];
    case BPF_ST: return [bit(insn.dst), 0];
    case BPF_STX: {
      if (bpfMode(insn.code) !== BPF_ATOMIC) return [bit(insn.dst) | bit(insn.src), 0];
      if (insn.imm === BPF_CMPXCHG) return [bit(insn.dst) | bit(insn.src) | 1, 1];
      const use = bit(insn.dst) | bit(insn.src);
      return [use, insn.imm & BPF_FETCH ? bit(insn.src) : 0];
    }
    case BPF_LD: {
      if (insn.code === LD_IMM64) return [0, bit(insn.dst)];
      const m = bpfMode(insn.code);
      if (m === BPF_ABS || m === BPF_IND) return [bit(6) | (m === BPF_IND ? bit(insn.src) : 0), CALLER_SAVED];
      return [0, 0];
    }
    case BPF_JMP: case BPF_JMP32: {
      if (op === BPF_CALL) return [ARGS, CALLER_SAVED];
      if (op === BPF_EXIT) return [1, 0];
      if (op === BPF_JA) return [0, 0];
      if (op === 0xe0) return [0, 0];
      return [bit(insn.dst) | (bpfSrc(insn.code) === BPF_X ? bit(insn.src) : 0), 0];
    }
  }
  return [0, 0];
}

function succs(insn: Insn, t: number): number[] {
  const cls = bpfClass(insn.code);
  if (insn.code === LD_IMM64) return [t + 2];
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return [t + 1];
  const op = bpfOp(insn.code);
  if (op === BPF_EXIT) return [];
  if (op === BPF_CALL) return [t + 1];
  if (op === BPF_JA) return [jumpTarget(insn, t)];
  return [t + 1, jumpTarget(insn, t)];
}

/** liveIn[slot]: bitmask of r0..r9 live before the instruction. */
export function computeLiveRegs(env: Env): Uint16Array {
  const live = new Uint16Array(env.len);
  const ud: [number, number][] = [];
  const sc: number[][] = [];
  for (let t = 0; t < env.len; t++) {
    const insn = env.insnAt[t];
    ud.push(insn ? useDef(insn) : [0, 0]);
    sc.push(insn ? succs(insn, t).filter((w) => w >= 0 && w < env.len) : []);
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (let t = env.len - 1; t >= 0; t--) {
      if (!env.insnAt[t]) continue;
      let out = 0;
      for (const w of sc[t]!) out |= live[w]!;
      const [use, def] = ud[t]!;
      const inn = use | (out & ~def);
      if (inn !== live[t]) { live[t] = inn; changed = true; }
    }
  }
  return live;
}
