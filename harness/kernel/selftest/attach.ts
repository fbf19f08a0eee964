/**
 * `enum bpf_attach_type` by lower-case suffix (Linux 6.18 uapi), and how test_verifier (libbpf's
 * libbpf_find_vmlinux_btf_id) turns a TRACING / LSM record's attach target into a vmlinux BTF id.
 *
 * Invariant: names are the kernel's (BPF_TRACE_FENTRY -> 'trace_fentry').
 */
import { BTF_KIND } from '../btf/encoder.ts';
import { vmlinuxBtf } from '../btf/vmlinux.ts';

export const ATTACH_TYPES: Readonly<Record<string, number>> = {
  cgroup_inet_ingress: 0, cgroup_inet_egress: 1, cgroup_inet_sock_create: 2, cgroup_sock_ops: 3,
  sk_skb_stream_parser: 4, sk_skb_stream_verdict: 5, cgroup_device: 6, sk_msg_verdict: 7,
  cgroup_inet4_bind: 8, cgroup_inet6_bind: 9, cgroup_inet4_connect: 10, cgroup_inet6_connect: 11,
  cgroup_inet4_post_bind: 12, cgroup_inet6_post_bind: 13, cgroup_udp4_sendmsg: 14,
  cgroup_udp6_sendmsg: 15, lirc_mode2: 16, flow_dissector: 17, cgroup_sysctl: 18,
  cgroup_udp4_recvmsg: 19, cgroup_udp6_recvmsg: 20, cgroup_getsockopt: 21, cgroup_setsockopt: 22,
  trace_raw_tp: 23, trace_fentry: 24, trace_fexit: 25, modify_return: 26, lsm_mac: 27,
  trace_iter: 28, cgroup_inet4_getpeername: 29, cgroup_inet6_getpeername: 30,
  cgroup_inet4_getsockname: 31, cgroup_inet6_getsockname: 32, xdp_devmap: 33,
  cgroup_inet_sock_release: 34, xdp_cpumap: 35, sk_lookup: 36, xdp: 37, sk_skb_verdict: 38,
  sk_reuseport_select: 39, sk_reuseport_select_or_migrate: 40, perf_event: 41,
  trace_kprobe_multi: 42, lsm_cgroup: 43, struct_ops: 44, netfilter: 45, tcx_ingress: 46,
  tcx_egress: 47, trace_uprobe_multi: 48,
};

/** Name prefix and BTF kind libbpf looks up for an attach type. */
function lookupRule(attachType: string): { prefix: string; kind: number } {
  if (attachType === 'trace_raw_tp') return { prefix: 'btf_trace_', kind: BTF_KIND.TYPEDEF };
  if (attachType === 'trace_iter') return { prefix: 'bpf_iter_', kind: BTF_KIND.FUNC };
  if (attachType === 'lsm_mac' || attachType === 'lsm_cgroup') return { prefix: 'bpf_lsm_', kind: BTF_KIND.FUNC };
  return { prefix: '', kind: BTF_KIND.FUNC };
}

/** attach_btf_id for a TRACING / LSM program, or undefined when the name is not in vmlinux. */
export function attachBtfId(attachType: string, target: string): number | undefined {
  const r = lookupRule(attachType);
  return vmlinuxBtf().idOf(r.kind, r.prefix + target);
}
