/**
 * Program types as data: which types the model knows, their context layouts (the kernel's
 * *_is_valid_access functions: readable / writable fields, sizes, narrow loads, fields that give
 * packet pointers) and their direct packet access rights (may_access_direct_pkt_data).
 *
 * Invariant: ctxAccess() returns the register type a load produces, or undefined when the kernel
 * says `invalid bpf_context access`.
 */
import type { ProgType } from '../../isa/program.ts';
import type { RegType } from '../state/reg.ts';

export type CtxResult = RegType | undefined;
type Access = (off: number, size: number, write: boolean, ldsx: boolean) => CtxResult;

// struct __sk_buff offsets
const SKB = {
  len: 0, pkt_type: 4, mark: 8, queue_mapping: 12, protocol: 16, vlan_present: 20, vlan_tci: 24,
  vlan_proto: 28, priority: 32, ingress_ifindex: 36, ifindex: 40, tc_index: 44, cb0: 48, cb4end: 68,
  hash: 68, tc_classid: 72, data: 76, data_end: 80, napi_id: 84, family: 88, local_port_end: 140,
  data_meta: 140, flow_keys: 144, tstamp: 152, wire_len: 160, gso_segs: 164, sk: 168, gso_size: 176,
  tstamp_type: 180, hwtstamp: 184, size: 192,
} as const;

const inField = (off: number, start: number, size = 4): boolean => off >= start && off < start + size;
const narrowOk = (size: number, dflt: number): boolean => size <= dflt && (size & (size - 1)) === 0;

/** bpf_skb_is_valid_access: the checks every __sk_buff program type shares. */
function skbCommon(off: number, size: number, write: boolean, ldsx: boolean, ptrType: RegType = 'scalar'): CtxResult {
  if (off < 0 || off >= SKB.size) return undefined;
  if (off % size !== 0) return undefined;
  if (off >= SKB.cb0 && off < SKB.cb4end) {
    return off + size > SKB.cb4end ? undefined : 'scalar';
  }
  if (inField(off, SKB.data) || inField(off, SKB.data_meta) || inField(off, SKB.data_end)) {
    return ldsx || size !== 4 ? undefined : ptrType;
  }
  if (inField(off, SKB.flow_keys, 8)) return undefined;
  if (inField(off, SKB.hwtstamp, 8)) return write || size !== 8 ? undefined : 'scalar';
  if (inField(off, SKB.tstamp, 8)) return size !== 8 ? undefined : 'scalar';
  if (off === SKB.sk) return write || size !== 8 ? undefined : 'sock_common';
  if (inField(off, SKB.sk, 8)) return undefined;
  if (off === SKB.tstamp_type) return undefined;
  if (off > SKB.tstamp_type && off < SKB.hwtstamp) return undefined;
  if (write) return size !== 4 ? undefined : 'scalar';
  return narrowOk(size, 4) ? 'scalar' : undefined;
}

const sockFilter: Access = (off, size, write, ldsx) => {
  if (inField(off, SKB.tc_classid) || inField(off, SKB.data) || inField(off, SKB.data_meta)
    || inField(off, SKB.data_end) || (off >= SKB.family && off < SKB.local_port_end)
    || inField(off, SKB.tstamp, 8) || inField(off, SKB.wire_len) || inField(off, SKB.hwtstamp, 8)) return undefined;
  if (write && !(off >= SKB.cb0 && off < SKB.cb4end)) return undefined;
  return skbCommon(off, size, write, ldsx);
};

const TC_WRITABLE: readonly [number, number][] = [
  [SKB.mark, 4], [SKB.tc_index, 4], [SKB.priority, 4], [SKB.tc_classid, 4], [SKB.cb0, 20],
  [SKB.tstamp, 8], [SKB.queue_mapping, 4],
];

const tcClsAct: Access = (off, size, write, ldsx) => {
  if (write && !TC_WRITABLE.some(([s, n]) => inField(off, s, n))) return undefined;
  if (off >= SKB.family && off < SKB.local_port_end) return undefined;
  if (off === SKB.tstamp_type) return size === 1 && !write ? 'scalar' : undefined;
  const r = skbCommon(off, size, write, ldsx);
  if (r === undefined) return undefined;
  if (inField(off, SKB.data)) return 'pkt';
  if (inField(off, SKB.data_meta)) return 'pkt_meta';
  if (inField(off, SKB.data_end)) return 'pkt_end';
  return r;
};

const CG_SKB_WRITABLE: readonly [number, number][] = [[SKB.mark, 4], [SKB.priority, 4], [SKB.cb0, 20], [SKB.tstamp, 8]];

/** cg_skb_is_valid_access (CAP_BPF: data and data_end readable as packet pointers). */
const cgroupSkb: Access = (off, size, write, ldsx) => {
  if (inField(off, SKB.tc_classid) || inField(off, SKB.data_meta) || inField(off, SKB.wire_len)) return undefined;
  if (write && !CG_SKB_WRITABLE.some(([s, n]) => inField(off, s, n))) return undefined;
  const r = skbCommon(off, size, write, ldsx);
  if (r === undefined) return undefined;
  if (inField(off, SKB.data)) return 'pkt';
  if (inField(off, SKB.data_end)) return 'pkt_end';
  return r;
};

const LWT_WRITABLE: readonly [number, number][] = [[SKB.mark, 4], [SKB.priority, 4], [SKB.cb0, 20]];

/** lwt_is_valid_access (lwt_in, lwt_out, lwt_xmit). */
const lwt: Access = (off, size, write, ldsx) => {
  if (inField(off, SKB.tc_classid) || (off >= SKB.family && off < SKB.local_port_end) || inField(off, SKB.data_meta)
    || inField(off, SKB.tstamp, 8) || inField(off, SKB.wire_len) || inField(off, SKB.hwtstamp, 8)) return undefined;
  if (write && !LWT_WRITABLE.some(([s, n]) => inField(off, s, n))) return undefined;
  const r = skbCommon(off, size, write, ldsx);
  if (r === undefined) return undefined;
  if (inField(off, SKB.data)) return 'pkt';
  if (inField(off, SKB.data_end)) return 'pkt_end';
  return r;
};

const xdp: Access = (off, size, write) => {
  if (off === 20) return undefined; // egress_ifindex: only BPF_XDP_DEVMAP
  if (write) return undefined;
  if (off < 0 || off >= 24 || off % size !== 0 || size !== 4) return undefined;
  if (off === 0) return 'pkt';
  if (off === 4) return 'pkt_end';
  if (off === 8) return 'pkt_meta';
  return 'scalar';
};

const rawTp: Access = (off, size, write) => {
  if (off < 0 || off >= 8 * 12 || write || off % size !== 0) return undefined;
  return 'scalar';
};
const tracepoint: Access = (off, size, write) => {
  if (off < 8 || off >= 8192 || write || off % size !== 0) return undefined;
  return 'scalar';
};
const PT_REGS_SIZE = 168;
const kprobe: Access = (off, size, write) => {
  if (off < 0 || off >= PT_REGS_SIZE || write || off % size !== 0 || off + size > PT_REGS_SIZE) return undefined;
  return 'scalar';
};

export interface ProgTypeSpec {
  readonly ctx: Access;
  /** Direct packet access: 'none', 'read' or 'write' (may_access_direct_pkt_data). */
  readonly pkt: 'none' | 'read' | 'write';
  /** Legacy LD_ABS / LD_IND allowed (may_access_skb). */
  readonly ldAbs: boolean;
  /** check_return_code: the range R0 must be in at the main program's exit. */
  readonly retRange?: readonly [number, number];
}

const SPECS: Partial<Record<ProgType, ProgTypeSpec>> = {
  socket_filter: { ctx: sockFilter, pkt: 'none', ldAbs: true },
  sched_cls: { ctx: tcClsAct, pkt: 'write', ldAbs: true },
  sched_act: { ctx: tcClsAct, pkt: 'write', ldAbs: true },
  xdp: { ctx: xdp, pkt: 'write', ldAbs: false },
  lwt_in: { ctx: lwt, pkt: 'read', ldAbs: false },
  lwt_out: { ctx: lwt, pkt: 'read', ldAbs: false },
  lwt_xmit: { ctx: lwt, pkt: 'write', ldAbs: false },
  cgroup_skb: { ctx: cgroupSkb, pkt: 'read', ldAbs: false, retRange: [0, 1] },
  raw_tracepoint: { ctx: rawTp, pkt: 'none', ldAbs: false },
  tracepoint: { ctx: tracepoint, pkt: 'none', ldAbs: false },
  kprobe: { ctx: kprobe, pkt: 'none', ldAbs: false },
};

export function progTypeSpec(t: ProgType): ProgTypeSpec | undefined {
  return SPECS[t];
}

export const MODELLED_PROG_TYPES: readonly ProgType[] = Object.keys(SPECS) as ProgType[];
