/**
 * The mutable state of one run: registers as 32-bit halves, the set of initialized registers,
 * the frame stack (bpf-to-bpf calls and helper callbacks), the program being executed (it
 * changes on a tail call), the memory, and the fault once one happens.
 *
 * Invariant: `init` has bit i set iff ri holds a value the program wrote (or was given: r1 and
 * r10 at entry); a read of a register outside `init` is an `uninit_reg` fault.
 */
import { type Code, slotAt } from './load.ts';
import type { Fault, FaultKind } from './fault.ts';
import type { Memory, Region } from './memory.ts';

/** Called when a callback frame exits (r0 holds its return value): the next pc, or -1 on fault. */
export type Continuation = (st: VmState) => number;

export interface Frame {
  readonly code: Code;
  readonly retPc: number;
  /** r6..r10 of the caller (index 0 = r6). */
  readonly savedLo: Int32Array;
  readonly savedHi: Int32Array;
  readonly savedInit: number;
  readonly stackRid: number;
  readonly cont?: Continuation;
}

export const MAX_CALL_FRAMES = 8;
export const MAX_TAIL_CALL_CNT = 33;
export const MAX_BPF_STACK = 512;

export interface RunEnvHooks {
  /** Next pseudo-random u32 (seeded per run). */
  prandom(): number;
  /** Deterministic clock (ns). */
  ktimeNs(): bigint;
}

export class VmState {
  readonly lo = new Int32Array(11);
  readonly hi = new Int32Array(11);
  init = 0;
  code: Code;
  readonly frames: Frame[] = [];
  /** Stack region of each depth (reused across calls at the same depth). */
  readonly stackRids: number[] = [];
  /** may_goto budget left per frame depth. */
  readonly mayGoto: number[] = [];
  fault: Fault | null = null;
  /** Result of the last memory load (halves). */
  vlo = 0;
  vhi = 0;
  count = 0;
  pc = 0;
  tailCalls = 0;
  /** Spin locks held: region id + offset keys. */
  readonly locks = new Set<string>();
  /** Live ring buffer records (region ids) that must be submitted or discarded before exit. */
  readonly refs = new Set<number>();
  ctxRid = 0;
  packetRid = 0;
  /** Offsets in the packet region of data_meta, data and data_end. */
  metaOff = 0;
  dataOff = 0;
  dataEndOff = 0;
  /** What the program may touch beyond the defaults (e.g. strict alignment). */
  strictAlign = false;
  /** bpf_trace_printk output. */
  readonly printk: string[] = [];

  constructor(code: Code, readonly mem: Memory, readonly hooks: RunEnvHooks) {
    this.code = code;
  }

  setReg(r: number, v: bigint): void {
    this.lo[r] = Number(BigInt.asIntN(32, v));
    this.hi[r] = Number(BigInt.asIntN(32, v >> 32n));
    this.init |= 1 << r;
  }

  reg(r: number): bigint {
    return (BigInt(this.hi[r]! >>> 0) << 32n) | BigInt(this.lo[r]! >>> 0);
  }

  /** Record a fault at pc (returns -1 so handlers can `return st.raise(...)`). */
  raise(pc: number, kind: FaultKind, message: string, where?: { region?: Region; offset?: number; size?: number }): number {
    const r = where?.region;
    this.fault = {
      kind, pc, slot: pc >= 0 && pc <= this.code.n ? slotAt(this.code, pc) : pc, message,
      ...(r ? { region: { rid: r.rid, kind: r.kind, label: r.label, size: r.bytes.length } } : {}),
      ...(where?.offset !== undefined ? { offset: where.offset } : {}),
      ...(where?.size !== undefined ? { size: where.size } : {}),
    };
    return -1;
  }
}
