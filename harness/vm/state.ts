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

// One u64 seen as two int32 halves: a register to or from a bigint in one conversion, no bigint
// arithmetic (LO / HI: which half is the low one on this machine).
const HALVES = new Int32Array(2);
const U64 = new BigUint64Array(HALVES.buffer);
const LO = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

export const MAX_CALL_FRAMES = 8;
export const MAX_TAIL_CALL_CNT = 33;
export const MAX_BPF_STACK = 512;


export class VmState {
  readonly lo = new Int32Array(11);
  readonly hi = new Int32Array(11);
  init = 0;
  code: Code;
  readonly frames: Frame[] = [];
  /** Stack region of each depth (reused across calls at the same depth); -1 or absent: none yet. */
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
  /** xdp: the whole frame (headroom, packet, tailroom) and where meta / data / end are in it. */
  xdpFrame: Uint8Array | null = null;
  xdpMeta = 0;
  xdpData = 0;
  xdpEnd = 0;
  /** What the program may touch beyond the defaults (e.g. strict alignment). */
  strictAlign = false;
  /** bpf_trace_printk output. */
  printk: string[] = [];

  /** State of bpf_get_prandom_u32 (mulberry32, seeded per run) and of the deterministic clock. */
  private rng = 0;
  private now = 0n;

  constructor(code: Code, public mem: Memory, seed = 0) {
    this.code = code;
    this.rng = seed >>> 0;
  }

  /** Make a used state fresh for another run (states are pooled: runs allocate nothing here). */
  reset(code: Code, mem: Memory, seed: number): void {
    this.code = code;
    this.mem = mem;
    const lo = this.lo, hi = this.hi;
    for (let r = 0; r < 11; r++) { lo[r] = 0; hi[r] = 0; } // a loop: a typed-array fill is a runtime call
    this.init = 0;
    if (this.frames.length) this.frames.length = 0;
    // Forget the stack regions by entry (no array length change: a runtime call); mayGoto[depth]
    // is set whenever a frame at that depth is entered.
    for (let i = 0; i < this.stackRids.length; i++) this.stackRids[i] = -1;
    this.fault = null;
    this.vlo = this.vhi = this.count = this.pc = this.tailCalls = 0;
    if (this.locks.size) this.locks.clear();
    if (this.refs.size) this.refs.clear();
    this.ctxRid = this.packetRid = this.metaOff = this.dataOff = this.dataEndOff = 0;
    this.strictAlign = false;
    this.xdpFrame = null;
    this.xdpMeta = this.xdpData = this.xdpEnd = 0;
    this.printk = [];
    this.rng = seed >>> 0;
    this.now = 0n;
  }

  /** bpf_get_prandom_u32: deterministic for a seed. */
  prandom(): number {
    this.rng = (this.rng + 0x6d2b79f5) | 0;
    let t = Math.imul(this.rng ^ (this.rng >>> 15), 1 | this.rng);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** bpf_ktime_get_ns: starts at 1 s and advances 1 us per call. */
  ktimeNs(): bigint {
    this.now = this.now === 0n ? 1_000_000_000n : this.now + 1000n;
    return this.now;
  }

  setReg(r: number, v: bigint): void {
    U64[0] = v; // stored modulo 2^64
    this.lo[r] = HALVES[LO]!;
    this.hi[r] = HALVES[HI]!;
    this.init |= 1 << r;
  }

  reg(r: number): bigint {
    HALVES[LO] = this.lo[r]!;
    HALVES[HI] = this.hi[r]!;
    return U64[0]!;
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
