/**
 * Helper functions: a table helper id -> implementation (ids from harness/isa/helpers.ts by
 * name). An implementation gets the run state and the call's pc, reads r1..r5, sets r0 and
 * returns the next pc (or -1 after raising a fault). `plain` wraps the common shape: compute r0
 * (or a fault), clobber r1..r5. Arguments a verifier should have refused (a non-map where a map
 * is expected, a bad memory range) are `helper_arg` / memory faults, never exceptions.
 */
import { helperId } from '../isa/helpers.ts';
import { memRange } from './access.ts';
import { decodePtr, FUNC_RID, ptrBig, type Region } from './memory.ts';
import { E2BIG, EAGAIN, EINVAL, ENOENT, ringRecordSize, u32, VmMap } from './maps.ts';
import { MAX_TAIL_CALL_CNT, type VmState } from './state.ts';
import { enterFrame, stackFor } from './calls.ts';
import { xdpAdjustHead, xdpAdjustMeta, xdpAdjustTail } from './xdp.ts';
import type { Code } from './load.ts';

export type HelperImpl = (st: VmState, pc: number) => number;
/** What a prog_array slot holds: a loaded program's code. */
export interface TailTarget { readonly code: Code }

const R1_TO_R5 = 0x3e;
const neg = (e: number): bigint => BigInt.asUintN(64, BigInt(-e));

function finish(st: VmState, pc: number, r0: bigint | undefined): number {
  if (r0 === undefined) st.init &= ~(R1_TO_R5 | 1);
  else { st.setReg(0, r0); st.init &= ~R1_TO_R5; }
  return pc + 1;
}

/** A helper computing r0 (undefined: returns void; null: a fault was raised). */
const plain = (f: (st: VmState, pc: number) => bigint | undefined | null): HelperImpl => (st, pc) => {
  const r0 = f(st, pc);
  return r0 === null ? -1 : finish(st, pc, r0);
};

function mapArg(st: VmState, pc: number, reg: number): VmMap | null {
  const p = decodePtr(st.reg(reg));
  const r = p && st.mem.get(p.rid);
  if (!r || r.kind !== 'map' || p!.off !== 0 || !(r.owner instanceof VmMap)) {
    st.raise(pc, 'helper_arg', `R${reg} is not a map pointer`);
    return null;
  }
  return r.owner;
}

const range = (st: VmState, pc: number, reg: number, size: number, write = false): Uint8Array | null =>
  memRange(st, pc, st.reg(reg), size, write);

const ptrTo = (r: Region | undefined): bigint => (r ? ptrBig(r.rid, 0) : 0n);

// ---- maps ----
const mapLookup = plain((st, pc) => {
  const m = mapArg(st, pc, 1);
  if (!m) return null;
  const key = range(st, pc, 2, m.def.keySize);
  if (!key) return null;
  if (m.def.type === 'array_of_maps' || m.def.type === 'hash_of_maps') {
    const inner = m.slots.get(u32(key));
    return inner instanceof VmMap ? ptrTo(inner.handle) : 0n;
  }
  return ptrTo(m.lookupRegion(key));
});

const mapUpdate = plain((st, pc) => {
  const m = mapArg(st, pc, 1);
  if (!m) return null;
  const key = range(st, pc, 2, m.def.keySize);
  const val = key && range(st, pc, 3, m.def.valueSize);
  if (!key || !val) return null;
  return BigInt.asUintN(64, BigInt(m.update(key, val, Number(st.reg(4)))));
});

const mapDelete = plain((st, pc) => {
  const m = mapArg(st, pc, 1);
  if (!m) return null;
  const key = range(st, pc, 2, m.def.keySize);
  return key ? BigInt.asUintN(64, BigInt(m.delete(key))) : null;
});

const mapPush = plain((st, pc) => {
  const m = mapArg(st, pc, 1);
  if (!m) return null;
  const val = range(st, pc, 2, m.def.valueSize);
  return val ? BigInt.asUintN(64, BigInt(m.push(val, Number(st.reg(3))))) : null;
});

const mapTake = (remove: boolean): HelperImpl => plain((st, pc) => {
  const m = mapArg(st, pc, 1);
  if (!m) return null;
  if (m.def.type === 'bloom_filter') {
    const v = range(st, pc, 2, m.def.valueSize);
    return v ? (m.bloomHas(v) ? 0n : neg(ENOENT)) : null;
  }
  const out = range(st, pc, 2, m.def.valueSize, true);
  if (!out) return null;
  const v = m.take(remove);
  if (!v) { out.fill(0); return neg(ENOENT); }
  out.set(v);
  return 0n;
});

const lookupPercpu = plain((st, pc) => {
  const m = mapArg(st, pc, 1);
  if (!m) return null;
  const key = range(st, pc, 2, m.def.keySize);
  if (!key) return null;
  return st.reg(3) === 0n ? ptrTo(m.lookupRegion(key)) : 0n;
});

// ---- tail calls and callbacks ----
const tailCall: HelperImpl = (st, pc) => {
  const m = mapArg(st, pc, 2);
  if (!m) return -1;
  const idx = st.lo[3]! >>> 0;
  const t = m.slots.get(idx) as TailTarget | undefined;
  if (idx >= m.def.maxEntries || !t || st.tailCalls >= MAX_TAIL_CALL_CNT) return finish(st, pc, undefined);
  st.tailCalls++;
  st.code = t.code;
  st.init = (1 << 1) | (1 << 10);
  const depth = st.frames.length;
  const rid = stackFor(st, depth);
  if (rid === undefined) return st.raise(pc, 'unsupported', 'VM region table exhausted');
  return 0;
};

function funcArg(st: VmState, pc: number, reg: number): number {
  const v = st.reg(reg);
  const p = decodePtr(v);
  if (!p || p.rid !== FUNC_RID) return st.raise(pc, 'helper_arg', `R${reg} is not a callback function`);
  return p.off;
}

const bpfLoop: HelperImpl = (st, pc) => {
  const nr = st.lo[1]! >>> 0;
  const cb = funcArg(st, pc, 2);
  if (cb < 0) return -1;
  const ctx = st.reg(3);
  if (st.reg(4) !== 0n) return finish(st, pc, neg(EINVAL));
  if (nr > 1 << 23) return finish(st, pc, neg(E2BIG));
  if (nr === 0) return finish(st, pc, 0n);
  let i = 0;
  const cont = (s: VmState): number => {
    const stop = s.lo[0] !== 0 || s.hi[0] !== 0;
    i++;
    if (stop || i >= nr) return finish(s, pc, BigInt(i));
    return enterFrame(s, pc, cb, pc + 1, cont, [BigInt(i), ctx]);
  };
  return enterFrame(st, pc, cb, pc + 1, cont, [0n, ctx]);
};

// ---- ring buffers ----
const ringOutput = plain((st, pc) => {
  const m = mapArg(st, pc, 1);
  if (!m) return null;
  const data = range(st, pc, 2, Number(st.reg(3) & 0xffffffffn));
  if (!data) return null;
  const need = ringRecordSize(data.length);
  if (m.ringUsed + need > m.def.maxEntries) return neg(EAGAIN);
  m.ringUsed += need;
  m.ringProduced += need;
  m.records.push(Uint8Array.from(data));
  return 0n;
});

const ringReserve = plain((st, pc) => {
  const m = mapArg(st, pc, 1);
  if (!m) return null;
  const size = Number(st.reg(2));
  if (st.reg(3) !== 0n || size > m.def.maxEntries) return 0n;
  const need = ringRecordSize(size);
  if (m.ringUsed + need > m.def.maxEntries) return 0n;
  const r = st.mem.allocTransient('ringbuf_record', size, `ring buffer record (map ${m.index}, ${size} bytes)`, { owner: m });
  if (!r) return 0n;
  m.ringUsed += need;
  st.refs.add(r.rid);
  return ptrBig(r.rid, 0);
});

const ringCommit = (submit: boolean): HelperImpl => plain((st, pc) => {
  const p = decodePtr(st.reg(1));
  const r = p && st.mem.get(p.rid);
  if (!r || r.kind !== 'ringbuf_record' || p!.off !== 0 || !st.refs.has(r.rid)) {
    st.raise(pc, r && !r.alive ? 'use_after_free' : 'helper_arg', `R1 is not a live ring buffer record${r ? ` (${r.label})` : ''}`,
      r ? { region: r, offset: p!.off } : {});
    return null;
  }
  const m = r.owner as VmMap;
  st.refs.delete(r.rid);
  st.mem.free(r.rid);
  if (submit) { m.records.push(Uint8Array.from(r.bytes)); m.ringProduced += ringRecordSize(r.bytes.length); }
  else m.ringUsed -= ringRecordSize(r.bytes.length);
  return undefined;
});

const ringQuery = plain((st, pc) => {
  const m = mapArg(st, pc, 1);
  if (!m) return null;
  const f = Number(st.reg(2));
  const v = [m.ringProduced - m.ringConsumed, m.def.maxEntries, m.ringConsumed, m.ringProduced][f];
  return BigInt(v ?? 0);
});

// ---- spin locks ----
function lockKey(st: VmState, pc: number): string | null {
  const p = decodePtr(st.reg(1));
  const r = p && st.mem.get(p.rid);
  if (!r || r.kind !== 'map_value') { st.raise(pc, 'helper_arg', 'R1 is not a pointer to a bpf_spin_lock in a map value'); return null; }
  return `${p!.rid}:${p!.off}`;
}

const spinLock = plain((st, pc) => {
  const k = lockKey(st, pc);
  if (k === null) return null;
  if (st.locks.size > 0) { st.raise(pc, 'lock', `bpf_spin_lock while already holding a lock${st.locks.has(k) ? ' (the same one: deadlock)' : ''}`); return null; }
  st.locks.add(k);
  return undefined;
});

const spinUnlock = plain((st, pc) => {
  const k = lockKey(st, pc);
  if (k === null) return null;
  if (!st.locks.has(k)) { st.raise(pc, 'lock', 'bpf_spin_unlock of a lock that is not held'); return null; }
  st.locks.delete(k);
  return undefined;
});

// ---- packet access ----
const skbLoadBytes = plain((st, pc) => {
  const off = st.lo[2]!;
  const len = st.lo[4]! >>> 0;
  const pkt = st.mem.get(st.packetRid);
  const to = range(st, pc, 3, len, true);
  if (!to) return null;
  const start = st.dataOff + off;
  if (!pkt || off < 0 || len === 0 || start + len > st.dataEndOff) { to.fill(0); return neg(14); } // -EFAULT
  to.set(pkt.bytes.subarray(start, start + len));
  return 0n;
});

const skbStoreBytes = plain((st, pc) => {
  const off = st.lo[2]!;
  const len = st.lo[4]! >>> 0;
  const pkt = st.mem.get(st.packetRid);
  const from = range(st, pc, 3, len);
  if (!from) return null;
  const start = st.dataOff + off;
  if (!pkt || off < 0 || start + len > st.dataEndOff) return neg(14);
  pkt.bytes.set(from, start);
  return 0n;
});

/** bpf_csum_diff: the 32-bit one's-complement sum (x86 csum_partial) of ~from words and to words, plus seed. */
const csumDiff = plain((st, pc) => {
  const fromSize = st.lo[2]! >>> 0;
  const toSize = st.lo[4]! >>> 0;
  if (fromSize % 4 !== 0 || toSize % 4 !== 0) return neg(EINVAL);
  const from = fromSize ? range(st, pc, 1, fromSize) : new Uint8Array(0);
  const to = from && (toSize ? range(st, pc, 3, toSize) : new Uint8Array(0));
  if (!from || !to) return null;
  let sum = BigInt(st.lo[5]! >>> 0);
  const word = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
  for (let i = 0; i < fromSize; i += 4) sum += BigInt(~word(from, i) >>> 0);
  for (let i = 0; i < toSize; i += 4) sum += BigInt(word(to, i));
  while (sum >> 32n) sum = (sum & 0xffffffffn) + (sum >> 32n);
  return sum;
});

const xdpOnly = (st: VmState, f: (st: VmState, delta: number) => number): bigint =>
  (st.xdpFrame ? BigInt.asUintN(64, BigInt(f(st, st.lo[2]!))) : neg(EINVAL));

// ---- misc ----
const traceprintk = plain((st, pc) => {
  const n = Number(st.reg(2) & 0xffffffffn);
  const fmt = range(st, pc, 1, n);
  if (!fmt) return null;
  const text = Buffer.from(fmt).toString('latin1').replace(/\0.*$/s, '');
  st.printk.push(text);
  return BigInt(text.length);
});

const TABLE: Record<string, HelperImpl> = {
  map_lookup_elem: mapLookup,
  map_update_elem: mapUpdate,
  map_delete_elem: mapDelete,
  map_push_elem: mapPush,
  map_pop_elem: mapTake(true),
  map_peek_elem: mapTake(false),
  map_lookup_percpu_elem: lookupPercpu,
  ktime_get_ns: plain((st) => st.ktimeNs()),
  ktime_get_boot_ns: plain((st) => st.ktimeNs()),
  ktime_get_coarse_ns: plain((st) => st.ktimeNs()),
  get_prandom_u32: plain((st) => BigInt(st.prandom() >>> 0)),
  get_smp_processor_id: plain(() => 0n),
  get_numa_node_id: plain(() => 0n),
  trace_printk: traceprintk,
  tail_call: tailCall,
  loop: bpfLoop,
  ringbuf_output: ringOutput,
  ringbuf_reserve: ringReserve,
  ringbuf_submit: ringCommit(true),
  ringbuf_discard: ringCommit(false),
  ringbuf_query: ringQuery,
  spin_lock: spinLock,
  spin_unlock: spinUnlock,
  skb_load_bytes: skbLoadBytes,
  skb_store_bytes: skbStoreBytes,
  perf_event_output: plain(() => neg(ENOENT)),
  xdp_adjust_head: plain((st) => xdpOnly(st, xdpAdjustHead)),
  xdp_adjust_meta: plain((st) => xdpOnly(st, xdpAdjustMeta)),
  xdp_adjust_tail: plain((st) => xdpOnly(st, xdpAdjustTail)),
  csum_diff: csumDiff,
  get_cgroup_classid: plain(() => 0n),
  // test_run has no sockets: lookups find nothing.
  sk_lookup_tcp: plain(() => 0n),
  sk_lookup_udp: plain(() => 0n),
  skc_lookup_tcp: plain(() => 0n),
  sk_release: plain(() => 0n),
};

/** Helper implementations by id. */
export const HELPERS: ReadonlyArray<HelperImpl | undefined> = (() => {
  const out: Array<HelperImpl | undefined> = [];
  for (const [name, impl] of Object.entries(TABLE)) {
    const id = helperId(name);
    if (id === undefined) throw new Error(`helpers.ts: unknown helper name ${name}`);
    out[id] = impl;
  }
  return out;
})();
