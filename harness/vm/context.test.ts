/**
 * Context fields against the live kernel: for socket_filter, sched_cls and xdp, a program that
 * returns one u32 context field (`r0 = *(u32 *)(r1 + off); exit`) gives the same value in the
 * VM and in BPF_PROG_TEST_RUN, on a zeroed packet and on an IPv4/UDP packet to a broadcast MAC.
 * Fields the verifier refuses for a type are skipped (and counted); pointer fields (data,
 * data_end, data_meta) are compared as offsets from data instead. Skips without bpf().
 */
import { expect, it } from 'vitest';
import { describeKernel } from '../kernel/testing.ts';
import { loadProgram } from '../kernel/load.ts';
import { mkInsn } from '../isa/insn.ts';
import type { Program, ProgType } from '../isa/program.ts';
import { isLoadError, loadVmProgram, runVm } from './index.ts';
import { SKB, XDP } from './context.ts';

const EXIT = mkInsn(0x95, 0, 0, 0, 0);
const IPV4_UDP = Uint8Array.from(Buffer.from(
  'ffffffffffff' + '020000000001' + '0800' + '450000320001000040117a5c0a0000010a000002' + '303904d2001e0000' + '00'.repeat(22), 'hex'));
const OTHERHOST = Uint8Array.from([2, 0, 0, 0, 0, 2, ...IPV4_UDP.subarray(6)]);
const PACKETS = [new Uint8Array(64), IPV4_UDP, OTHERHOST];

/** Scalar u32 fields by offset (pointer fields are handled apart). */
const SKB_FIELDS = Object.entries(SKB).filter(([n]) => !['data', 'data_end', 'data_meta', 'flow_keys', 'sk', 'tstamp', 'hwtstamp', 'tstamp_type', 'cb', 'remote_ip6', 'local_ip6'].includes(n));
const XDP_FIELDS = Object.entries(XDP).filter(([n]) => !['data', 'data_end', 'data_meta'].includes(n));

function compare(progType: ProgType, insns: Program['insns'], packet: Uint8Array): { vm: number; kernel: number } | 'rejected' {
  const program: Program = { progType, insns, maps: [] };
  const vp = loadVmProgram(program);
  if (isLoadError(vp)) throw new Error(vp.message);
  const vm = runVm(vp, { packet });
  if (vm.kind !== 'ok') throw new Error(`VM fault: ${vm.fault.message}`);
  const k = loadProgram(program, { keep: true, bare: true });
  if (k.verdict !== 'accept' || !k.loaded) return 'rejected';
  try {
    const r = k.loaded.run({ data: packet });
    // ENOSPC: data_out (sized as the input) is shorter than a grown packet; retval is still set.
    expect([0, 28]).toContain(r.errno);
    return { vm: Number(vm.r0 & 0xffffffffn), kernel: r.retval >>> 0 };
  } finally {
    k.loaded.close();
  }
}

describeKernel('context fields: VM vs kernel test_run', () => {
  it('every readable u32 field and the packet pointers agree', () => {
    const cases: Array<[ProgType, Array<[string, number]>]> = [
      ['socket_filter', SKB_FIELDS], ['sched_cls', SKB_FIELDS], ['xdp', XDP_FIELDS],
    ];
    let compared = 0;
    let rejected = 0;
    const mismatches: string[] = [];
    for (const [t, fields] of cases) {
      for (const packet of PACKETS) {
        for (const [name, off] of fields) {
          const res = compare(t, [mkInsn(0x61, 0, 1, off, 0), EXIT], packet);
          if (res === 'rejected') { rejected++; continue; }
          compared++;
          if (res.vm !== res.kernel) mismatches.push(`${t} ${name} (packet ${PACKETS.indexOf(packet)}): VM ${res.vm}, kernel ${res.kernel}`);
        }
        // data_end - data and data - data_meta (direct packet access types only)
        const [d, e, m] = t === 'xdp' ? [XDP.data, XDP.data_end, XDP.data_meta] : [SKB.data, SKB.data_end, SKB.data_meta];
        for (const [name, a, b] of [['data_end - data', e, d], ['data - data_meta', d, m]] as const) {
          const res = compare(t, [mkInsn(0x61, 2, 1, a, 0), mkInsn(0x61, 3, 1, b, 0), mkInsn(0xbf, 0, 2, 0, 0), mkInsn(0x1f, 0, 3, 0, 0), EXIT], packet);
          if (res === 'rejected') { rejected++; continue; }
          compared++;
          if (res.vm !== res.kernel) mismatches.push(`${t} ${name}: VM ${res.vm}, kernel ${res.kernel}`);
        }
      }
    }
    // xdp_adjust_head / _tail / _meta, then data_end - data (or the helper's error) in r0.
    for (const [helper, delta] of [[44, -20], [44, 20], [44, -300], [44, 60], [65, -10], [65, 100], [65, -60], [54, -8], [54, -6]] as const) {
      const insns = [mkInsn(0xbf, 6, 1, 0, 0), mkInsn(0xb7, 2, 0, 0, delta), mkInsn(0x85, 0, 0, 0, helper),
        mkInsn(0x55, 0, 0, 5, 0), mkInsn(0x61, 2, 6, XDP.data, 0), mkInsn(0x61, 3, 6, XDP.data_end, 0), mkInsn(0x61, 4, 6, XDP.data_meta, 0),
        mkInsn(0xbf, 0, 3, 0, 0), mkInsn(0x1f, 0, 4, 0, 0), EXIT];
      const res = compare('xdp', insns, new Uint8Array(64));
      if (res === 'rejected') { rejected++; continue; }
      compared++;
      if (res.vm !== res.kernel) mismatches.push(`xdp helper #${helper}(${delta}): VM ${res.vm | 0}, kernel ${res.kernel | 0}`);
    }
    console.log(`context fields: ${compared} compared, ${mismatches.length} mismatches, ${rejected} refused by the kernel verifier`);
    for (const m of mismatches) console.log(`  MISMATCH ${m}`);
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(40);
  });
});
