/**
 * Smoke tests, one per BTF-dependent feature of kernel-facts.md section 2: each hand-written,
 * known-safe program loads through our kernel target (program BTF, func_info and map BTF derived
 * automatically) and its test_run returns the expected value.
 */
import { expect, it } from 'vitest';
import { describeKernel } from './testing.ts';
import { loadProgram } from './load.ts';
import { kfuncId } from './btf/vmlinux.ts';
import { LOCAL_OBJ_TYPE_ID, localTypeId } from './btf/program-btf.ts';
import { ringbufRead, userRingbufWrite } from './ringbuf.ts';
import type { MapDef, Program, ProgType } from '../isa/program.ts';
import {
  Add64, CallHelper, CallKfunc, Exit, Ja, JEq, JNe, Label, LdFunc, LdMap, Ldx, Mov64, St, Stx, resolve,
  type SymItem, R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10,
} from '../isa/builder.ts';

const prog = (progType: ProgType, maps: MapDef[], items: SymItem[]): Program => ({ progType, maps, insns: resolve(items) });

function loadRun(p: Program, before?: (maps: import('./maps.ts').KernelMap[]) => void) {
  const r = loadProgram(p, { keep: true });
  expect(r.error).toBeUndefined();
  expect(r.verdict).toBe('accept');
  const l = r.loaded!;
  try {
    before?.([...l.maps]);
    const run = l.run();
    expect(run.errno).toBe(0);
    return { retval: run.retval, maps: l.maps };
  } finally {
    l.close();
  }
}

/** r6 = &map[0] value, or return 0. */
const lookupKey0 = (mapIndex: number): SymItem[] => [
  St(4, R10, -4, 0), LdMap(R1, mapIndex), Mov64.Reg(R2, R10), Add64.Imm(R2, -4),
  CallHelper('map_lookup_elem'), JEq.Imm(R0, 0, 'out0'), Mov64.Reg(R6, R0),
];
const out0: SymItem[] = [Label('out0'), Mov64.Imm(R0, 0), Exit()];

describeKernel('BTF-dependent features through the kernel target', () => {
  it('bpf_loop with a static callback (func_info derived from the ld_imm64 src=4)', () => {
    const p = prog('socket_filter', [], [
      Mov64.Imm(R1, 10), LdFunc(R2, 'cb'), Mov64.Imm(R3, 0), Mov64.Imm(R4, 0), CallHelper('loop'), Exit(),
      Label('cb'), Mov64.Imm(R0, 0), Exit(),
    ]);
    expect(loadRun(p).retval).toBe(10);
  });

  it('bpf_spin_lock in an array map value (map BTF)', () => {
    const map: MapDef = { type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, btf: { fields: [{ kind: 'spin_lock', off: 4 }] } };
    const p = prog('sched_cls', [map], [
      ...lookupKey0(0),
      Mov64.Reg(R1, R6), Add64.Imm(R1, 4), CallHelper('spin_lock'),
      Ldx(4, R7, R6, 0), Add64.Imm(R7, 1), Stx(4, R6, 0, R7),
      Mov64.Reg(R1, R6), Add64.Imm(R1, 4), CallHelper('spin_unlock'),
      Mov64.Reg(R0, R7), Add64.Imm(R0, 40), Exit(), ...out0,
    ]);
    const r = loadRun(p);
    expect(r.retval).toBe(41);
  });

  it('bpf_obj_new and bpf_obj_drop of a local type (program BTF)', () => {
    const p = prog('sched_cls', [], [
      Mov64.Imm(R1, LOCAL_OBJ_TYPE_ID), Mov64.Imm(R2, 0), CallKfunc(kfuncId('bpf_obj_new_impl')),
      JEq.Imm(R0, 0, 'out0'), Mov64.Reg(R6, R0), St(8, R6, 0, 42), Ldx(8, R7, R6, 0),
      Mov64.Reg(R1, R6), Mov64.Imm(R2, 0), CallKfunc(kfuncId('bpf_obj_drop_impl')),
      Mov64.Reg(R0, R7), Exit(), ...out0,
    ]);
    expect(loadRun(p).retval).toBe(42);
  });

  it('bpf_list_push_front and bpf_list_pop_front under the spin lock', () => {
    const maps: MapDef[] = [{
      type: 'array', keySize: 4, valueSize: 24, maxEntries: 1,
      btf: { fields: [{ kind: 'spin_lock', off: 0 }, { kind: 'list_head', off: 8, node: { size: 32, off: 8 } }] },
    }];
    const p = prog('sched_cls', maps, [
      ...lookupKey0(0),
      Mov64.Imm(R1, localTypeId(maps, 0, 1)), Mov64.Imm(R2, 0), CallKfunc(kfuncId('bpf_obj_new_impl')),
      JEq.Imm(R0, 0, 'out0'), Mov64.Reg(R7, R0), St(8, R7, 0, 42),
      Mov64.Reg(R1, R6), CallHelper('spin_lock'),
      Mov64.Reg(R1, R6), Add64.Imm(R1, 8), Mov64.Reg(R2, R7), Add64.Imm(R2, 8), Mov64.Imm(R3, 0), Mov64.Imm(R4, 0),
      CallKfunc(kfuncId('bpf_list_push_front_impl')),
      Mov64.Reg(R1, R6), Add64.Imm(R1, 8), CallKfunc(kfuncId('bpf_list_pop_front')), Mov64.Reg(R8, R0),
      Mov64.Reg(R1, R6), CallHelper('spin_unlock'),
      JEq.Imm(R8, 0, 'out0'), Ldx(8, R9, R8, -8),
      Mov64.Reg(R1, R8), Add64.Imm(R1, -8), Mov64.Imm(R2, 0), CallKfunc(kfuncId('bpf_obj_drop_impl')),
      Mov64.Reg(R0, R9), Exit(), ...out0,
    ]);
    expect(loadRun(p).retval).toBe(42);
  });

  it('open-coded bpf_iter_num counts 5 iterations', () => {
    const p = prog('socket_filter', [], [
      Mov64.Reg(R1, R10), Add64.Imm(R1, -8), Mov64.Imm(R2, 0), Mov64.Imm(R3, 5), CallKfunc(kfuncId('bpf_iter_num_new')),
      Mov64.Imm(R6, 0),
      Label('loop'), Mov64.Reg(R1, R10), Add64.Imm(R1, -8), CallKfunc(kfuncId('bpf_iter_num_next')),
      JEq.Imm(R0, 0, 'done'), Add64.Imm(R6, 1), Ja('loop'),
      Label('done'), Mov64.Reg(R1, R10), Add64.Imm(R1, -8), CallKfunc(kfuncId('bpf_iter_num_destroy')),
      Mov64.Reg(R0, R6), Exit(),
    ]);
    expect(loadRun(p).retval).toBe(5);
  });

  it('bpf_user_ringbuf_drain drains the samples user space wrote', () => {
    const p = prog('sched_cls', [{ type: 'user_ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 }], [
      LdMap(R1, 0), LdFunc(R2, 'cb'), Mov64.Imm(R3, 0), Mov64.Imm(R4, 0), CallHelper('user_ringbuf_drain'), Exit(),
      Label('cb'), Mov64.Imm(R0, 0), Exit(),
    ]);
    const r = loadRun(p, (maps) => {
      expect(userRingbufWrite(maps[0]!, [Uint8Array.of(1, 2, 3), new Uint8Array(16)])).toBe(2);
    });
    expect(r.retval).toBe(2);
  });

  it('bloom filter push then peek finds the value', () => {
    const p = prog('xdp', [{ type: 'bloom_filter', keySize: 0, valueSize: 4, maxEntries: 16, mapExtra: 3 }], [
      St(4, R10, -4, 7), LdMap(R1, 0), Mov64.Reg(R2, R10), Add64.Imm(R2, -4), Mov64.Imm(R3, 0), CallHelper('map_push_elem'),
      JNe.Imm(R0, 0, 'out0'),
      LdMap(R1, 0), Mov64.Reg(R2, R10), Add64.Imm(R2, -4), CallHelper('map_peek_elem'),
      Add64.Imm(R0, 100), Exit(), ...out0,
    ]);
    expect(loadRun(p).retval).toBe(100);
  });

  it('ringbuf dynptr: reserve, write, submit; user space sees the record', () => {
    const p = prog('socket_filter', [{ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 }], [
      LdMap(R1, 0), Mov64.Imm(R2, 8), Mov64.Imm(R3, 0), Mov64.Reg(R4, R10), Add64.Imm(R4, -16),
      CallHelper('ringbuf_reserve_dynptr'),
      St(8, R10, -24, 42),
      Mov64.Reg(R1, R10), Add64.Imm(R1, -16), Mov64.Imm(R2, 0), Mov64.Reg(R3, R10), Add64.Imm(R3, -24),
      Mov64.Imm(R4, 8), Mov64.Imm(R5, 0), CallHelper('dynptr_write'), Mov64.Reg(R6, R0),
      Mov64.Reg(R1, R10), Add64.Imm(R1, -16), Mov64.Imm(R2, 0), CallHelper('ringbuf_submit_dynptr'),
      Mov64.Reg(R0, R6), Add64.Imm(R0, 7), Exit(),
    ]);
    let seen: ReturnType<typeof ringbufRead> | undefined;
    const r = loadProgram(p, { keep: true });
    expect(r.verdict).toBe('accept');
    try {
      expect(r.loaded!.run().retval).toBe(7);
      seen = ringbufRead(r.loaded!.maps[0]!);
    } finally {
      r.loaded!.close();
    }
    expect(seen.producerPos).toBe(16n);
    expect(seen.records.map((x) => Array.from(x.data))).toEqual([[42, 0, 0, 0, 0, 0, 0, 0]]);
  });
});
