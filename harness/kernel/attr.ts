/**
 * `union bpf_attr` layouts, written from the Linux 6.18 uapi (not from this machine's older 6.1
 * headers): byte offsets per command as data tables, plus small writers. Pointer fields are u64
 * addresses of Buffers that the caller keeps alive for the duration of the call.
 *
 * Invariant: each `*_SIZE` is the size passed to bpf(); fields past it are never written. The
 * kernel requires every byte between the end of the fields it knows and `size` to be zero, so
 * writers always start from a zeroed buffer (or re-zero a reused one).
 */

/** BPF_PROG_LOAD. log_true_size sits at 140, right after core_relo_rec_size (136). */
export const PROG_LOAD = {
  prog_type: 0, insn_cnt: 4, insns: 8, license: 16, log_level: 24, log_size: 28, log_buf: 32,
  kern_version: 40, prog_flags: 44, prog_name: 48, prog_ifindex: 64, expected_attach_type: 68,
  prog_btf_fd: 72, func_info_rec_size: 76, func_info: 80, func_info_cnt: 88,
  line_info_rec_size: 92, line_info: 96, line_info_cnt: 104, attach_btf_id: 108,
  attach_prog_fd: 112, core_relo_cnt: 116, fd_array: 120, core_relos: 128,
  core_relo_rec_size: 136, log_true_size: 140,
} as const;
export const PROG_LOAD_SIZE = 144;

/** BPF_MAP_CREATE (through map_extra, value_type_btf_obj_fd and map_token_fd). */
export const MAP_CREATE = {
  map_type: 0, key_size: 4, value_size: 8, max_entries: 12, map_flags: 16, inner_map_fd: 20,
  numa_node: 24, map_name: 28, map_ifindex: 44, btf_fd: 48, btf_key_type_id: 52,
  btf_value_type_id: 56, btf_vmlinux_value_type_id: 60, map_extra: 64,
  value_type_btf_obj_fd: 72, map_token_fd: 76,
} as const;
export const MAP_CREATE_SIZE = 80;

/** BPF_MAP_{LOOKUP,UPDATE,DELETE}_ELEM and GET_NEXT_KEY. */
export const MAP_ELEM = { map_fd: 0, key: 8, value: 16, flags: 24 } as const;
export const MAP_ELEM_SIZE = 32;

/** BPF_PROG_TEST_RUN (the `test` member). */
export const TEST_RUN = {
  prog_fd: 0, retval: 4, data_size_in: 8, data_size_out: 12, data_in: 16, data_out: 24,
  repeat: 32, duration: 36, ctx_size_in: 40, ctx_size_out: 44, ctx_in: 48, ctx_out: 56,
  flags: 64, cpu: 68, batch_size: 72,
} as const;
export const TEST_RUN_SIZE = 80;

/** BPF_BTF_LOAD (through btf_log_true_size). */
export const BTF_LOAD = {
  btf: 0, btf_log_buf: 8, btf_size: 16, btf_log_size: 20, btf_log_level: 24, btf_log_true_size: 28,
} as const;
export const BTF_LOAD_SIZE = 32;

/** map_update_elem flags. */
export const BPF_ANY = 0;

/** Map flags used by verifuzz and the kernel selftests. */
export const MAP_FLAGS = {
  BPF_F_NO_PREALLOC: 1, BPF_F_RDONLY: 1 << 3, BPF_F_WRONLY: 1 << 4, BPF_F_RDONLY_PROG: 1 << 7,
  BPF_F_WRONLY_PROG: 1 << 8, BPF_F_MMAPABLE: 1 << 10,
} as const;

export const u32 = (b: Buffer, off: number, v: number): void => { b.writeUInt32LE(v >>> 0, off); };
export const u64 = (b: Buffer, off: number, v: bigint): void => { b.writeBigUInt64LE(BigInt.asUintN(64, v), off); };

/** Write a NUL-terminated name into a fixed char[16] field (truncated to 15 bytes). */
export function name16(b: Buffer, off: number, name: string): void {
  b.fill(0, off, off + 16);
  b.write(name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 15), off, 'latin1');
}
