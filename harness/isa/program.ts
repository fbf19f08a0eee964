/**
 * The Program interchange format (design.md section 5) and the kernel's enum names.
 *
 * In memory a Program holds decoded instructions; as JSON it holds `insns` as hex (8 bytes per
 * slot, little-endian). Maps are referenced from the bytecode by index (ld_imm64 with
 * src_reg = 5 BPF_PSEUDO_MAP_IDX or 6 BPF_PSEUDO_MAP_IDX_VALUE), so a Program is self-contained.
 */
import { type Insn } from './insn.ts';

/** BPF_PROG_TYPE_* by lower-case suffix. */
export const PROG_TYPES = {
  unspec: 0, socket_filter: 1, kprobe: 2, sched_cls: 3, sched_act: 4, tracepoint: 5, xdp: 6,
  perf_event: 7, cgroup_skb: 8, cgroup_sock: 9, lwt_in: 10, lwt_out: 11, lwt_xmit: 12, sock_ops: 13,
  sk_skb: 14, cgroup_device: 15, sk_msg: 16, raw_tracepoint: 17, cgroup_sock_addr: 18,
  lwt_seg6local: 19, lirc_mode2: 20, sk_reuseport: 21, flow_dissector: 22, cgroup_sysctl: 23,
  raw_tracepoint_writable: 24, cgroup_sockopt: 25, tracing: 26, struct_ops: 27, ext: 28, lsm: 29,
  sk_lookup: 30, syscall: 31, netfilter: 32,
} as const;
export type ProgType = keyof typeof PROG_TYPES;

/** BPF_MAP_TYPE_* by lower-case suffix. */
export const MAP_TYPES = {
  unspec: 0, hash: 1, array: 2, prog_array: 3, perf_event_array: 4, percpu_hash: 5, percpu_array: 6,
  stack_trace: 7, cgroup_array: 8, lru_hash: 9, lru_percpu_hash: 10, lpm_trie: 11, array_of_maps: 12,
  hash_of_maps: 13, devmap: 14, sockmap: 15, cpumap: 16, xskmap: 17, sockhash: 18, cgroup_storage: 19,
  reuseport_sockarray: 20, percpu_cgroup_storage: 21, queue: 22, stack: 23, sk_storage: 24,
  devmap_hash: 25, struct_ops: 26, ringbuf: 27, inode_storage: 28, task_storage: 29, bloom_filter: 30,
  user_ringbuf: 31, cgrp_storage: 32, arena: 33,
} as const;
export type MapType = keyof typeof MAP_TYPES;

/** BPF_F_* prog_flags of BPF_PROG_LOAD. */
export const PROG_FLAGS = {
  BPF_F_STRICT_ALIGNMENT: 1 << 0,
  BPF_F_ANY_ALIGNMENT: 1 << 1,
  BPF_F_TEST_RND_HI32: 1 << 2,
  BPF_F_TEST_STATE_FREQ: 1 << 3,
  BPF_F_SLEEPABLE: 1 << 4,
  BPF_F_XDP_HAS_FRAGS: 1 << 5,
  BPF_F_XDP_DEV_BOUND_ONLY: 1 << 6,
  BPF_F_TEST_REG_INVARIANTS: 1 << 7,
} as const;
export type ProgFlagName = keyof typeof PROG_FLAGS;

/** A special field inside a map value that needs map BTF (spin lock, list head, ...). */
export interface MapValueField {
  readonly kind: 'spin_lock' | 'list_head' | 'rb_root' | 'timer';
  /** Byte offset inside the value. */
  readonly off: number;
  /** list_head / rb_root: the contained node struct (size, offset of its list/rb node); the
   * kernel target's BTF defaults to {size: 32, off: 8} for lists and {size: 40, off: 8} for rbtrees. */
  readonly node?: { readonly size: number; readonly off: number };
}

export interface MapDef {
  readonly type: MapType;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** map_flags of BPF_MAP_CREATE (e.g. BPF_F_NO_PREALLOC = 1, BPF_F_RDONLY_PROG = 128). */
  readonly flags?: number;
  /** map_extra (the number of hash functions of a bloom filter). */
  readonly mapExtra?: number;
  /** Special fields of the value type; present when the map needs BTF. */
  readonly btf?: { readonly fields: readonly MapValueField[] };
  /** The inner map of an array_of_maps / hash_of_maps. */
  readonly inner?: MapDef;
}

export interface Program {
  readonly progType: ProgType;
  readonly insns: readonly Insn[];
  readonly maps: readonly MapDef[];
  /** prog_flags of BPF_PROG_LOAD. */
  readonly flags?: number;
}

export function progTypeId(t: ProgType): number {
  return PROG_TYPES[t];
}

export function mapTypeId(t: MapType): number {
  return MAP_TYPES[t];
}

export function isProgType(s: string): s is ProgType {
  return Object.prototype.hasOwnProperty.call(PROG_TYPES, s);
}

export function isMapType(s: string): s is MapType {
  return Object.prototype.hasOwnProperty.call(MAP_TYPES, s);
}

/** prog_flags as names, low bit first; unknown bits as hex. */
export function flagNames(flags: number): string[] {
  const names: string[] = [];
  let rest = flags >>> 0;
  for (const [name, bit] of Object.entries(PROG_FLAGS)) {
    if (rest & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names;
}
