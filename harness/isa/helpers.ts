/**
 * The helper-function table of Linux 6.18: BPF_FUNC_* id -> name, in `__BPF_FUNC_MAPPER` order
 * (include/uapi/linux/bpf.h). Data only.
 *
 * Invariant: HELPER_NAMES[id] is the kernel's name without the `bpf_` prefix, and the array index
 * is the id (0 is `unspec`). The list is frozen upstream at 211 (`cgrp_storage_delete`): new
 * functionality arrives as kfuncs, whose BTF ids are per-build and are not listed here.
 * The kernel log prints a helper call as `call bpf_<name>#<id>` (kernel/bpf/disasm.c).
 */

export const HELPER_NAMES: readonly string[] = [
  /* 0 */ 'unspec', 'map_lookup_elem', 'map_update_elem', 'map_delete_elem',
  /* 4 */ 'probe_read', 'ktime_get_ns', 'trace_printk', 'get_prandom_u32',
  /* 8 */ 'get_smp_processor_id', 'skb_store_bytes', 'l3_csum_replace', 'l4_csum_replace',
  /* 12 */ 'tail_call', 'clone_redirect', 'get_current_pid_tgid', 'get_current_uid_gid',
  /* 16 */ 'get_current_comm', 'get_cgroup_classid', 'skb_vlan_push', 'skb_vlan_pop',
  /* 20 */ 'skb_get_tunnel_key', 'skb_set_tunnel_key', 'perf_event_read', 'redirect',
  /* 24 */ 'get_route_realm', 'perf_event_output', 'skb_load_bytes', 'get_stackid',
  /* 28 */ 'csum_diff', 'skb_get_tunnel_opt', 'skb_set_tunnel_opt', 'skb_change_proto',
  /* 32 */ 'skb_change_type', 'skb_under_cgroup', 'get_hash_recalc', 'get_current_task',
  /* 36 */ 'probe_write_user', 'current_task_under_cgroup', 'skb_change_tail', 'skb_pull_data',
  /* 40 */ 'csum_update', 'set_hash_invalid', 'get_numa_node_id', 'skb_change_head',
  /* 44 */ 'xdp_adjust_head', 'probe_read_str', 'get_socket_cookie', 'get_socket_uid',
  /* 48 */ 'set_hash', 'setsockopt', 'skb_adjust_room', 'redirect_map',
  /* 52 */ 'sk_redirect_map', 'sock_map_update', 'xdp_adjust_meta', 'perf_event_read_value',
  /* 56 */ 'perf_prog_read_value', 'getsockopt', 'override_return', 'sock_ops_cb_flags_set',
  /* 60 */ 'msg_redirect_map', 'msg_apply_bytes', 'msg_cork_bytes', 'msg_pull_data',
  /* 64 */ 'bind', 'xdp_adjust_tail', 'skb_get_xfrm_state', 'get_stack',
  /* 68 */ 'skb_load_bytes_relative', 'fib_lookup', 'sock_hash_update', 'msg_redirect_hash',
  /* 72 */ 'sk_redirect_hash', 'lwt_push_encap', 'lwt_seg6_store_bytes', 'lwt_seg6_adjust_srh',
  /* 76 */ 'lwt_seg6_action', 'rc_repeat', 'rc_keydown', 'skb_cgroup_id',
  /* 80 */ 'get_current_cgroup_id', 'get_local_storage', 'sk_select_reuseport', 'skb_ancestor_cgroup_id',
  /* 84 */ 'sk_lookup_tcp', 'sk_lookup_udp', 'sk_release', 'map_push_elem',
  /* 88 */ 'map_pop_elem', 'map_peek_elem', 'msg_push_data', 'msg_pop_data',
  /* 92 */ 'rc_pointer_rel', 'spin_lock', 'spin_unlock', 'sk_fullsock',
  /* 96 */ 'tcp_sock', 'skb_ecn_set_ce', 'get_listener_sock', 'skc_lookup_tcp',
  /* 100 */ 'tcp_check_syncookie', 'sysctl_get_name', 'sysctl_get_current_value', 'sysctl_get_new_value',
  /* 104 */ 'sysctl_set_new_value', 'strtol', 'strtoul', 'sk_storage_get',
  /* 108 */ 'sk_storage_delete', 'send_signal', 'tcp_gen_syncookie', 'skb_output',
  /* 112 */ 'probe_read_user', 'probe_read_kernel', 'probe_read_user_str', 'probe_read_kernel_str',
  /* 116 */ 'tcp_send_ack', 'send_signal_thread', 'jiffies64', 'read_branch_records',
  /* 120 */ 'get_ns_current_pid_tgid', 'xdp_output', 'get_netns_cookie', 'get_current_ancestor_cgroup_id',
  /* 124 */ 'sk_assign', 'ktime_get_boot_ns', 'seq_printf', 'seq_write',
  /* 128 */ 'sk_cgroup_id', 'sk_ancestor_cgroup_id', 'ringbuf_output', 'ringbuf_reserve',
  /* 132 */ 'ringbuf_submit', 'ringbuf_discard', 'ringbuf_query', 'csum_level',
  /* 136 */ 'skc_to_tcp6_sock', 'skc_to_tcp_sock', 'skc_to_tcp_timewait_sock', 'skc_to_tcp_request_sock',
  /* 140 */ 'skc_to_udp6_sock', 'get_task_stack', 'load_hdr_opt', 'store_hdr_opt',
  /* 144 */ 'reserve_hdr_opt', 'inode_storage_get', 'inode_storage_delete', 'd_path',
  /* 148 */ 'copy_from_user', 'snprintf_btf', 'seq_printf_btf', 'skb_cgroup_classid',
  /* 152 */ 'redirect_neigh', 'per_cpu_ptr', 'this_cpu_ptr', 'redirect_peer',
  /* 156 */ 'task_storage_get', 'task_storage_delete', 'get_current_task_btf', 'bprm_opts_set',
  /* 160 */ 'ktime_get_coarse_ns', 'ima_inode_hash', 'sock_from_file', 'check_mtu',
  /* 164 */ 'for_each_map_elem', 'snprintf', 'sys_bpf', 'btf_find_by_name_kind',
  /* 168 */ 'sys_close', 'timer_init', 'timer_set_callback', 'timer_start',
  /* 172 */ 'timer_cancel', 'get_func_ip', 'get_attach_cookie', 'task_pt_regs',
  /* 176 */ 'get_branch_snapshot', 'trace_vprintk', 'skc_to_unix_sock', 'kallsyms_lookup_name',
  /* 180 */ 'find_vma', 'loop', 'strncmp', 'get_func_arg',
  /* 184 */ 'get_func_ret', 'get_func_arg_cnt', 'get_retval', 'set_retval',
  /* 188 */ 'xdp_get_buff_len', 'xdp_load_bytes', 'xdp_store_bytes', 'copy_from_user_task',
  /* 192 */ 'skb_set_tstamp', 'ima_file_hash', 'kptr_xchg', 'map_lookup_percpu_elem',
  /* 196 */ 'skc_to_mptcp_sock', 'dynptr_from_mem', 'ringbuf_reserve_dynptr', 'ringbuf_submit_dynptr',
  /* 200 */ 'ringbuf_discard_dynptr', 'dynptr_read', 'dynptr_write', 'dynptr_data',
  /* 204 */ 'tcp_raw_gen_syncookie_ipv4', 'tcp_raw_gen_syncookie_ipv6', 'tcp_raw_check_syncookie_ipv4', 'tcp_raw_check_syncookie_ipv6',
  /* 208 */ 'ktime_get_tai_ns', 'user_ringbuf_drain', 'cgrp_storage_get', 'cgrp_storage_delete',
];

/** __BPF_FUNC_MAX_ID: one past the last helper id. */
export const BPF_FUNC_MAX_ID = HELPER_NAMES.length;

const BY_NAME: ReadonlyMap<string, number> = new Map(HELPER_NAMES.map((n, i) => [n, i]));

/** The kernel's name of a helper id (`bpf_map_lookup_elem`), or undefined when out of range. */
export function helperName(id: number): string | undefined {
  if (!Number.isInteger(id) || id < 0 || id >= BPF_FUNC_MAX_ID) return undefined;
  return 'bpf_' + HELPER_NAMES[id]!;
}

/** The id of a helper by name, with or without the `bpf_` prefix; undefined when unknown. */
export function helperId(name: string): number | undefined {
  const bare = name.startsWith('bpf_') ? name.slice(4) : name;
  return BY_NAME.get(bare);
}
