/**
 * Helper prototypes as data (the kernel's struct bpf_func_proto, for the helpers we model).
 *
 * Each row: argument kinds r1..r5, the return kind, where the helper is available (every program
 * type through bpf_base_func_proto, or a list of types), and behaviour flags (changes packet
 * data, acquires / releases a reference). A helper absent from this table is "not modelled":
 * verify() reports it as such, and tests exclude programs calling it.
 */
import type { ProgType } from '../../isa/program.ts';

export type ArgKind =
  | 'anything' | 'const_map_ptr' | 'map_key' | 'map_value' | 'uninit_map_value' | 'ctx'
  | 'mem' | 'mem_or_null' | 'uninit_mem' | 'const_size' | 'const_size_or_zero'
  | 'const_alloc_size_or_zero' | 'ringbuf_mem_release';

export type RetKind = 'integer' | 'void' | 'map_value_or_null' | 'ringbuf_mem_or_null';

export interface HelperProto {
  readonly id: number;
  readonly name: string;
  readonly args: readonly ArgKind[];
  readonly ret: RetKind;
  /** 'base': every program type; otherwise the program types that have it. */
  readonly progs: 'base' | readonly ProgType[];
  /** With progs 'base': the types whose func_proto removes the helper. */
  readonly except?: readonly ProgType[];
  readonly changesPktData?: boolean;
  readonly acquires?: boolean;
  /** fn->pkt_access: packet pointers may be passed as memory arguments. */
  readonly pktAccess?: boolean;
}

const TRACING: readonly ProgType[] = ['kprobe', 'tracepoint', 'raw_tracepoint', 'perf_event', 'raw_tracepoint_writable'];
const TC: readonly ProgType[] = ['sched_cls', 'sched_act'];
const LWT: readonly ProgType[] = ['lwt_in', 'lwt_out', 'lwt_xmit'];
const TC_XMIT: readonly ProgType[] = [...TC, 'lwt_xmit'];
const TC_LWT: readonly ProgType[] = [...TC, ...LWT];
const SKB_READ: readonly ProgType[] = ['socket_filter', 'sched_cls', 'sched_act', 'lwt_in', 'lwt_out', 'lwt_xmit', 'cgroup_skb', 'sk_skb'];
const CSUM: readonly ProgType[] = ['sched_cls', 'sched_act', 'xdp', 'lwt_in', 'lwt_out', 'lwt_xmit', 'sk_skb'];
const PERF_OUT: readonly ProgType[] = ['socket_filter', 'sched_cls', 'sched_act', 'xdp', 'cgroup_skb', 'lwt_in', 'lwt_out', 'lwt_xmit', ...TRACING];

const ROWS: HelperProto[] = [
  { id: 1, name: 'map_lookup_elem', args: ['const_map_ptr', 'map_key'], ret: 'map_value_or_null', progs: 'base', pktAccess: true },
  { id: 2, name: 'map_update_elem', args: ['const_map_ptr', 'map_key', 'map_value', 'anything'], ret: 'integer', progs: 'base', pktAccess: true },
  { id: 3, name: 'map_delete_elem', args: ['const_map_ptr', 'map_key'], ret: 'integer', progs: 'base', pktAccess: true },
  { id: 4, name: 'probe_read', args: ['uninit_mem', 'const_size_or_zero', 'anything'], ret: 'integer', progs: TRACING },
  { id: 5, name: 'ktime_get_ns', args: [], ret: 'integer', progs: 'base' },
  { id: 6, name: 'trace_printk', args: ['mem', 'const_size'], ret: 'integer', progs: 'base' },
  { id: 7, name: 'get_prandom_u32', args: [], ret: 'integer', progs: 'base' },
  { id: 8, name: 'get_smp_processor_id', args: [], ret: 'integer', progs: 'base' },
  { id: 9, name: 'skb_store_bytes', args: ['ctx', 'anything', 'mem', 'const_size', 'anything'], ret: 'integer', progs: TC_XMIT, changesPktData: true },
  { id: 10, name: 'l3_csum_replace', args: ['ctx', 'anything', 'anything', 'anything', 'anything'], ret: 'integer', progs: TC_XMIT, changesPktData: true },
  { id: 11, name: 'l4_csum_replace', args: ['ctx', 'anything', 'anything', 'anything', 'anything'], ret: 'integer', progs: TC_XMIT, changesPktData: true },
  { id: 12, name: 'tail_call', args: ['ctx', 'const_map_ptr', 'anything'], ret: 'void', progs: 'base' },
  { id: 13, name: 'clone_redirect', args: ['ctx', 'anything', 'anything'], ret: 'integer', progs: TC_XMIT },
  { id: 14, name: 'get_current_pid_tgid', args: [], ret: 'integer', progs: TRACING },
  { id: 15, name: 'get_current_uid_gid', args: [], ret: 'integer', progs: TRACING },
  { id: 16, name: 'get_current_comm', args: ['uninit_mem', 'const_size'], ret: 'integer', progs: TRACING },
  { id: 17, name: 'get_cgroup_classid', args: ['ctx'], ret: 'integer', progs: TC_LWT },
  { id: 18, name: 'skb_vlan_push', args: ['ctx', 'anything', 'anything'], ret: 'integer', progs: TC, changesPktData: true },
  { id: 19, name: 'skb_vlan_pop', args: ['ctx'], ret: 'integer', progs: TC, changesPktData: true },
  { id: 23, name: 'redirect', args: ['anything', 'anything'], ret: 'integer', progs: [...TC_XMIT, 'xdp'] },
  { id: 25, name: 'perf_event_output', args: ['ctx', 'const_map_ptr', 'anything', 'mem', 'const_size_or_zero'], ret: 'integer', progs: PERF_OUT },
  { id: 26, name: 'skb_load_bytes', args: ['ctx', 'anything', 'uninit_mem', 'const_size'], ret: 'integer', progs: SKB_READ },
  { id: 28, name: 'csum_diff', args: ['mem_or_null', 'const_size_or_zero', 'mem_or_null', 'const_size_or_zero', 'anything'], ret: 'integer', progs: CSUM, pktAccess: true },
  { id: 34, name: 'get_hash_recalc', args: ['ctx'], ret: 'integer', progs: TC_LWT },
  { id: 39, name: 'skb_pull_data', args: ['ctx', 'anything'], ret: 'integer', progs: TC_LWT, changesPktData: true },
  { id: 40, name: 'csum_update', args: ['ctx', 'anything'], ret: 'integer', progs: TC_XMIT },
  { id: 42, name: 'get_numa_node_id', args: [], ret: 'integer', progs: 'base' },
  { id: 44, name: 'xdp_adjust_head', args: ['ctx', 'anything'], ret: 'integer', progs: ['xdp'], changesPktData: true },
  { id: 54, name: 'xdp_adjust_meta', args: ['ctx', 'anything'], ret: 'integer', progs: ['xdp'], changesPktData: true },
  { id: 87, name: 'map_push_elem', args: ['const_map_ptr', 'map_value', 'anything'], ret: 'integer', progs: 'base', pktAccess: true },
  { id: 88, name: 'map_pop_elem', args: ['const_map_ptr', 'uninit_map_value'], ret: 'integer', progs: 'base' },
  { id: 89, name: 'map_peek_elem', args: ['const_map_ptr', 'uninit_map_value'], ret: 'integer', progs: 'base' },
  { id: 113, name: 'probe_read_kernel', args: ['uninit_mem', 'const_size_or_zero', 'anything'], ret: 'integer', progs: 'base' },
  { id: 112, name: 'probe_read_user', args: ['uninit_mem', 'const_size_or_zero', 'anything'], ret: 'integer', progs: 'base' },
  { id: 125, name: 'ktime_get_boot_ns', args: [], ret: 'integer', progs: 'base' },
  { id: 130, name: 'ringbuf_output', args: ['const_map_ptr', 'mem', 'const_size_or_zero', 'anything'], ret: 'integer', progs: 'base' },
  { id: 131, name: 'ringbuf_reserve', args: ['const_map_ptr', 'const_alloc_size_or_zero', 'anything'], ret: 'ringbuf_mem_or_null', progs: 'base', acquires: true },
  { id: 132, name: 'ringbuf_submit', args: ['ringbuf_mem_release', 'anything'], ret: 'void', progs: 'base' },
  { id: 133, name: 'ringbuf_discard', args: ['ringbuf_mem_release', 'anything'], ret: 'void', progs: 'base' },
  { id: 134, name: 'ringbuf_query', args: ['const_map_ptr', 'anything'], ret: 'integer', progs: 'base' },
  { id: 160, name: 'ktime_get_coarse_ns', args: [], ret: 'integer', progs: 'base', except: TRACING },
  { id: 208, name: 'ktime_get_tai_ns', args: [], ret: 'integer', progs: 'base' },
];

const BY_ID: ReadonlyMap<number, HelperProto> = new Map(ROWS.map((r) => [r.id, r]));

export const HELPER_PROTOS: readonly HelperProto[] = ROWS;

export function helperProto(id: number): HelperProto | undefined {
  return BY_ID.get(id);
}

/** get_func_proto of the program type: the prototype, or undefined when the type lacks it. */
export function helperForProg(id: number, prog: ProgType): HelperProto | undefined {
  const p = BY_ID.get(id);
  if (!p) return undefined;
  if (p.progs === 'base') return p.except?.includes(prog) ? undefined : p;
  if (p.progs.includes(prog)) return p;
  return undefined;
}
