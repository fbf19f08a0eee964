/**
 * Program contexts: what r1 points to at entry, built from the inputs BPF_PROG_TEST_RUN takes
 * (packet bytes, ctx bytes), with the kernel's defaults, so VM and kernel runs are comparable.
 *
 * - socket_filter, cgroup_skb, lwt_*: `struct __sk_buff` (192 bytes); the kernel's test_run pulls
 *   the Ethernet header (eth_type_trans), so skb->data starts 14 bytes into the input and `len`
 *   is the input length - 14. sched_cls / sched_act are L2: data is the input's first byte.
 * - xdp: `struct xdp_md` (24 bytes); ingress_ifindex 1 (loopback), rx_queue_index 0.
 * - raw_tracepoint: the ctx bytes (u64 args), read-only. syscall: the ctx bytes, read-write.
 *
 * Loads of the data / data_end / data_meta fields (4 bytes, as programs write them) give packet
 * pointers (the kernel rewrites these loads the same way). Only the fields the kernel lets a
 * program write are writable; other context writes are `read_only` faults.
 * DIVERGENCE: the VM does not check context field access sizes and offsets the way
 * the verifier's is_valid_access does; that is the verifier's job, and any load inside the
 * context region is served from its bytes.
 */
import type { ProgType } from '../isa/program.ts';
import * as memory from './memory.ts';
import type { Region } from './memory.ts';
import type { VmState } from './state.ts';
import * as slab from './slab.ts';

// Module-local copies (a read through an import binding can compile to a getter call).
const { ptrHi, ptrLo } = memory;
const { slabBytes } = slab;

export const ETH_HLEN = 14;
export const SKB_CTX_SIZE = 192;
export const XDP_CTX_SIZE = 24;

/** struct __sk_buff offsets (include/uapi/linux/bpf.h). */
export const SKB = {
  len: 0, pkt_type: 4, mark: 8, queue_mapping: 12, protocol: 16, vlan_present: 20, vlan_tci: 24, vlan_proto: 28,
  priority: 32, ingress_ifindex: 36, ifindex: 40, tc_index: 44, cb: 48, hash: 68, tc_classid: 72, data: 76,
  data_end: 80, napi_id: 84, family: 88, remote_ip4: 92, local_ip4: 96, remote_ip6: 100, local_ip6: 116,
  remote_port: 132, local_port: 136, data_meta: 140, flow_keys: 144, tstamp: 152, wire_len: 160, gso_segs: 164,
  sk: 168, gso_size: 176, tstamp_type: 180, hwtstamp: 184,
} as const;

/** struct xdp_md offsets. */
export const XDP = { data: 0, data_end: 4, data_meta: 8, ingress_ifindex: 12, rx_queue_index: 16, egress_ifindex: 20 } as const;

export type CtxKind = 'skb' | 'xdp' | 'args' | 'syscall' | 'mem';

const SKB_TYPES: ReadonlySet<ProgType> = new Set<ProgType>([
  'socket_filter', 'sched_cls', 'sched_act', 'cgroup_skb', 'lwt_in', 'lwt_out', 'lwt_xmit', 'lwt_seg6local',
]);
/** Types whose test_run keeps the Ethernet header in skb->data (is_l2 in net/bpf/test_run.c). */
const L2_TYPES: ReadonlySet<ProgType> = new Set<ProgType>(['sched_cls', 'sched_act']);

// One-entry memos: loads and runs of one program type in a row skip the set lookups.
let kindOfType: ProgType | undefined;
let kindOfKind: CtxKind | undefined;
let l2Type: ProgType | undefined;
let l2Is = false;

export function ctxKindOf(t: ProgType): CtxKind | undefined {
  if (t === kindOfType) return kindOfKind;
  const k: CtxKind | undefined = SKB_TYPES.has(t) ? 'skb' : t === 'xdp' ? 'xdp'
    : t === 'raw_tracepoint' || t === 'raw_tracepoint_writable' ? 'args' : t === 'syscall' ? 'syscall' : undefined;
  kindOfType = t;
  kindOfKind = k;
  return k;
}

export function isL2(t: ProgType): boolean {
  if (t !== l2Type) { l2Type = t; l2Is = L2_TYPES.has(t); }
  return l2Is;
}

/** A pointer-valued context field: its offset and the packet offset it points to. */
interface PtrField { readonly off: number; readonly at: (st: VmState) => number }

const SKB_PTRS: readonly PtrField[] = [
  { off: SKB.data, at: (st) => st.dataOff },
  { off: SKB.data_end, at: (st) => st.dataEndOff },
  { off: SKB.data_meta, at: (st) => st.metaOff },
];
const XDP_PTRS: readonly PtrField[] = [
  { off: XDP.data, at: (st) => st.dataOff },
  { off: XDP.data_end, at: (st) => st.dataEndOff },
  { off: XDP.data_meta, at: (st) => st.metaOff },
];

/** Byte ranges [start, end) of the fields a program may write. */
const SKB_WRITABLE: ReadonlyArray<readonly [number, number]> = [
  [SKB.mark, SKB.mark + 4], [SKB.queue_mapping, SKB.queue_mapping + 4], [SKB.priority, SKB.priority + 4],
  [SKB.tc_index, SKB.tc_index + 4], [SKB.cb, SKB.cb + 20], [SKB.tc_classid, SKB.tc_classid + 4],
  [SKB.tstamp, SKB.tstamp + 8],
];

export interface CtxLayout {
  readonly kind: CtxKind;
  readonly ptrs: readonly PtrField[];
  readonly writable: ReadonlyArray<readonly [number, number]> | 'all' | 'none';
}

export const LAYOUTS: Record<CtxKind, CtxLayout> = {
  skb: { kind: 'skb', ptrs: SKB_PTRS, writable: SKB_WRITABLE },
  xdp: { kind: 'xdp', ptrs: XDP_PTRS, writable: 'none' },
  args: { kind: 'args', ptrs: [], writable: 'none' },
  syscall: { kind: 'syscall', ptrs: [], writable: 'all' },
  mem: { kind: 'mem', ptrs: [], writable: 'all' },
};

/** Serve a load from a pointer field of the context (true when it was one). */
export function ctxLoad(st: VmState, r: Region, off: number, size: number): boolean {
  const layout = r.owner as CtxLayout | undefined;
  if (!layout || size < 4) return false;
  for (const f of layout.ptrs) {
    if (f.off === off) {
      st.vlo = ptrLo(f.at(st));
      st.vhi = ptrHi(st.packetRid);
      return true;
    }
  }
  return false;
}

export function ctxStoreAllowed(_st: VmState, r: Region, off: number, size: number): boolean {
  const layout = r.owner as CtxLayout | undefined;
  if (!layout || layout.writable === 'all') return true;
  if (layout.writable === 'none') return false;
  return layout.writable.some(([s, e]) => off >= s && off + size <= e);
}

const le32 = (b: Uint8Array, off: number, v: number): void => {
  b[off] = v; b[off + 1] = v >>> 8; b[off + 2] = v >>> 16; b[off + 3] = v >>> 24;
};

/**
 * PACKET_HOST 0, MULTICAST 2, OTHERHOST 3: eth_type_trans on the loopback device, whose address
 * and broadcast address are both 00:00:00:00:00:00 (so ff:ff:ff:ff:ff:ff is multicast, measured).
 */
function pktType(pkt: Uint8Array): number {
  if (pkt[0]! & 1) return 2;
  for (let i = 0; i < 6; i++) if (pkt[i] !== 0) return 3;
  return 0;
}

/** skb->protocol as eth_type_trans sets it (a __be16, read as the little-endian u16 of its bytes). */
function ethProtocol(pkt: Uint8Array): number {
  const proto = (pkt[12]! << 8) | pkt[13]!;
  if (proto >= 0x600) return pkt[12]! | (pkt[13]! << 8);
  if (pkt[14] === 0xff && pkt[15] === 0xff) return 0x0100; // htons(ETH_P_802_3)
  return 0x0400; // htons(ETH_P_802_2)
}

/** The __sk_buff the program sees for a test_run packet (and optional ctx_in). */
export function buildSkbCtx(progType: ProgType, pkt: Uint8Array, ctxIn: Uint8Array | undefined): Uint8Array {
  const b = slabBytes(SKB_CTX_SIZE);
  if (ctxIn) b.set(ctxIn.subarray(0, SKB_CTX_SIZE));
  const l2 = isL2(progType);
  le32(b, SKB.len, l2 ? pkt.length : pkt.length - ETH_HLEN);
  le32(b, SKB.pkt_type, pktType(pkt));
  le32(b, SKB.protocol, ethProtocol(pkt));
  le32(b, SKB.ifindex, 1);
  const proto = (pkt[12]! << 8) | pkt[13]!;
  le32(b, SKB.family, proto === 0x0800 ? 2 : proto === 0x86dd ? 10 : 0);
  if (ctxIn) { le32(b, SKB.data, 0); le32(b, SKB.data_end, 0); le32(b, SKB.data_meta, 0); } // else still zero
  return b;
}

export function buildXdpCtx(ctxIn: Uint8Array | undefined): Uint8Array {
  const b = new Uint8Array(XDP_CTX_SIZE); // 24 bytes: on the JS heap
  if (ctxIn) b.set(ctxIn.subarray(0, XDP_CTX_SIZE));
  if (!ctxIn || b[12]! + b[13]! + b[14]! + b[15]! === 0) le32(b, XDP.ingress_ifindex, 1);
  if (ctxIn) { le32(b, XDP.data, 0); le32(b, XDP.data_end, 0); le32(b, XDP.data_meta, 0); } // else still zero
  return b;
}
