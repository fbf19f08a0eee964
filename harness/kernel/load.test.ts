import { expect, it } from 'vitest';
import { describeKernel } from './testing.ts';
import { loadProgram, effectiveProgFlags } from './load.ts';
import { createKernelTarget } from './target.ts';
import { branchyProgram, straightProgram, tinyProgram } from './sample-programs.ts';
import { PROG_FLAGS, type Program } from '../isa/program.ts';
import {
  Add64, CallHelper, Exit, JEq, JGT, Label, LdMap, LdMapValue, Ldx, Mov64, St, Stx, resolve, R0, R1, R2, R3, R4, R10,
} from '../isa/builder.ts';

// Writes 7 into element 0 of an array map through a direct value pointer (src=6; the kernel
// allows direct value access only for max_entries 1), returns it.
const arrayStore: Program = {
  progType: 'socket_filter',
  maps: [{ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 }, { type: 'array', keySize: 4, valueSize: 4, maxEntries: 3 }],
  insns: resolve([LdMapValue(R1, 0, 0), Mov64.Imm(R2, 7), Stx(8, R1, 0, R2), Ldx(8, R0, R1, 0), Exit()]),
};

const hashLookup = (checked: boolean): Program => ({
  progType: 'socket_filter',
  maps: [{ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 4 }],
  insns: resolve([
    St(4, R10, -4, 0), LdMap(R1, 0), Mov64.Reg(R2, R10), Add64.Imm(R2, -4), CallHelper('map_lookup_elem'),
    ...(checked ? [JEq.Imm(R0, 0, 'out')] : []), Ldx(8, R0, R0, 0), ...(checked ? [Label('out')] : []),
    Mov64.Imm(R0, 0), Exit(),
  ]),
});

it('adds BPF_F_SLEEPABLE to SYSCALL programs only', () => {
  expect(effectiveProgFlags({ progType: 'syscall', insns: [], maps: [] })).toBe(16);
  expect(effectiveProgFlags({ progType: 'xdp', insns: [], maps: [], flags: 2 }, 128)).toBe(130);
});

describeKernel('loadProgram on the live kernel', () => {
  it('accepts the sample programs and reports processed instruction counts', () => {
    expect(loadProgram(tinyProgram())).toMatchObject({ verdict: 'accept', errno: 0, insnsProcessed: 2 });
    expect(loadProgram(straightProgram())).toMatchObject({ verdict: 'accept', insnsProcessed: 50 });
    const b = loadProgram(branchyProgram());
    expect(b.verdict).toBe('accept');
    expect(b.insnsProcessed).toBeGreaterThan(1000);
  });

  it('gives the verification time in the default mode (log level 4) and none in bare mode', () => {
    expect(loadProgram(tinyProgram()).verificationTimeUs).toBeGreaterThanOrEqual(0);
    const bare = loadProgram(tinyProgram(), { bare: true });
    expect(bare.verdict).toBe('accept');
    expect(bare.verificationTimeUs).toBeUndefined();
    expect(bare.insnsProcessed).toBeUndefined();
  });

  it('loads one Program object with the flags of each call (the cached request follows them)', () => {
    const p = tinyProgram();
    expect(loadProgram(p).verdict).toBe('accept');
    const sleepable = loadProgram(p, { extraFlags: PROG_FLAGS.BPF_F_SLEEPABLE, bare: true });
    expect(sleepable.verdict).toBe('reject');
    expect(sleepable.error).toMatch(/sleepable/);
    expect(loadProgram(p, { bare: true }).verdict).toBe('accept');
  });

  it('rejects an unchecked hash lookup with the kernel reason, in every log mode', () => {
    const full = loadProgram(hashLookup(false), { logLevel: 1 });
    const stats = loadProgram(hashLookup(false));
    const bare = loadProgram(hashLookup(false), { bare: true });
    for (const r of [full, stats, bare]) {
      expect(r.verdict).toBe('reject');
      expect(r.errno).toBe(13);
      expect(r.error).toBe("R0 invalid mem access 'map_value_or_null'");
    }
    expect(full.log).toContain('call bpf_map_lookup_elem#1');
    expect(loadProgram(hashLookup(true)).verdict).toBe('accept');
  });

  it('grows the log buffer from log_true_size when a level-2 log overflows it', () => {
    const r = loadProgram(branchyProgram(), { logLevel: 2 });
    expect(r.verdict).toBe('accept');
    expect(r.log!.length).toBeGreaterThan(1 << 16);
    expect(r.log).toMatch(/processed \d+ insns/);
  });

  it('runs a map-writing program and reads the map back through the target', () => {
    const t = createKernelTarget();
    const run = t.run(arrayStore);
    expect(run.error).toBeUndefined();
    expect(run.retval).toBe(7);
    expect(Array.from(run.maps![0]![0]!)).toEqual([7, 0, 0, 0, 0, 0, 0, 0]);
    expect(run.maps![0]!.length).toBe(1);
    expect(run.maps![1]!.map((v) => Array.from(v!))).toEqual([[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
  });

  it('test_run: SYSCALL ctx is in/out, RAW_TRACEPOINT args in, XDP data_out carries the packet write', () => {
    // syscall: ctx[1] = ctx[0] * 2 (u32 words); returns ctx[0]
    const sys: Program = {
      progType: 'syscall', maps: [],
      insns: resolve([Ldx(4, R2, R1, 0), Mov64.Reg(R0, R2), Add64.Reg(R2, R2), Stx(4, R1, 4, R2), Exit()]),
    };
    const ctx = Uint8Array.of(21, 0, 0, 0, 0, 0, 0, 0);
    const t = createKernelTarget();
    const s = t.run(sys, { ctx });
    expect(s.retval).toBe(21);
    expect(Array.from(s.ctxOut!)).toEqual([21, 0, 0, 0, 42, 0, 0, 0]);
    // xdp: if data + 1 <= data_end then data[0] = 0xab; return XDP_PASS (2)
    const xdp: Program = {
      progType: 'xdp', maps: [],
      insns: resolve([
        Ldx(4, R2, R1, 0), Ldx(4, R3, R1, 4), Mov64.Reg(R4, R2), Add64.Imm(R4, 1), JGT.Reg(R4, R3, 'out'),
        St(1, R2, 0, 0xab), Label('out'), Mov64.Imm(R0, 2), Exit(),
      ]),
    };
    // raw_tracepoint: r0 = args[1]
    const rtp: Program = { progType: 'raw_tracepoint', maps: [], insns: resolve([Ldx(8, R0, R1, 8), Exit()]) };
    const args = new Uint8Array(96);
    args[8] = 9;
    expect(t.run(rtp, { ctx: args })).toMatchObject({ retval: 9 });
    const x = t.run(xdp, { data: new Uint8Array(64) });
    expect(x.retval).toBe(2);
    expect(x.dataOut!.length).toBe(64);
    expect(x.dataOut![0]).toBe(0xab);
    expect(x.dataOut![1]).toBe(0);
  });

  it('verify through the target gives verdict, error and statistics', () => {
    const t = createKernelTarget();
    const v = t.verify(hashLookup(false));
    expect(v).toMatchObject({ target: 'kernel', verdict: 'reject', errno: 13 });
    expect(v.stats.insnsProcessed).toBeGreaterThan(0);
    expect(t.verify(tinyProgram(), { logLevel: 2 }).log).toContain('0: (b7) r0 = 0');
  });
});
