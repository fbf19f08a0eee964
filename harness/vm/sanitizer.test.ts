/**
 * The sanitizer: every kind of unsafe behaviour is a precise, typed fault (kind, pc, region,
 * offset, size), never an exception; the kernel-defined runtime semantics (calls, tail calls,
 * bpf_loop, may_goto, spin locks, ring buffers) behave as the kernel's. Programs are hand-built
 * with the instruction constructors; expected values are worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Insn, mkInsn as I, mkLdImm64 } from '../isa/insn.ts';
import { decode } from '../isa/codec.ts';
import type { MapDef, Program, ProgType } from '../isa/program.ts';
import { isLoadError, loadVmProgram, type RunInput, type RunResult, runVm, type VmProgram } from './index.ts';
import { le32 } from './maps.ts';

const EXIT = I(0x95, 0, 0, 0, 0);
const mov = (d: number, k: number): Insn => I(0xb7, d, 0, 0, k);
const call = (id: number): Insn => I(0x85, 0, 0, 0, id);
const mapFd = (d: number, idx: number): Insn => mkLdImm64(d, 5, BigInt(idx));

function load(insns: Insn[], maps: MapDef[] = [], progType: ProgType = 'socket_filter', flags = 0): VmProgram {
  const p: Program = { progType, insns, maps, flags };
  const vp = loadVmProgram(p);
  if (isLoadError(vp)) throw new Error(vp.message);
  return vp;
}
const run = (insns: Insn[], maps: MapDef[] = [], progType: ProgType = 'socket_filter', input: RunInput = {}): RunResult =>
  runVm(load(insns, maps, progType), input);
function fault(r: RunResult) {
  if (r.kind !== 'fault') throw new Error(`expected a fault, got r0 = ${r.r0}`);
  return r.fault;
}
const r0 = (r: RunResult): bigint => {
  if (r.kind !== 'ok') throw new Error(`fault: ${r.fault.message}`);
  return r.r0;
};

const ARRAY8: MapDef = { type: 'array', keySize: 4, valueSize: 8, maxEntries: 2 };
const HASH8: MapDef = { type: 'hash', keySize: 4, valueSize: 8, maxEntries: 4 };
/** *(u32 *)(r10 - 4) = 0; r2 = r10 - 4; r1 = map 0; call lookup (r0 = value or NULL). */
const lookup0 = [I(0x62, 10, 0, -4, 0), I(0xbf, 2, 10, 0, 0), I(0x07, 2, 0, 0, -4), mapFd(1, 0), call(1)];

describe('memory faults', () => {
  it('stack out of bounds, uninitialized, misaligned', () => {
    expect(fault(run([I(0x79, 0, 10, -520, 0), EXIT]))).toMatchObject({ kind: 'out_of_bounds', pc: 0, offset: -8, size: 8, region: { kind: 'stack' } });
    expect(fault(run([I(0x79, 0, 10, -8, 0), EXIT]))).toMatchObject({ kind: 'uninit_stack', offset: 504 });
    expect(fault(run([I(0x7a, 10, 0, -12, 0), EXIT]))).toMatchObject({ kind: 'misaligned', offset: 500, size: 8 });
    expect(r0(run([I(0x62, 10, 0, -4, 7), I(0x61, 0, 10, -4, 0), EXIT]))).toBe(7n);
  });
  it('NULL and scalar dereference', () => {
    expect(fault(run([mov(1, 0), I(0x79, 0, 1, 0, 0), EXIT]))).toMatchObject({ kind: 'null_deref', pc: 1 });
    expect(fault(run([mov(1, 0x1234), I(0x7b, 1, 1, 8, 0), EXIT]))).toMatchObject({ kind: 'scalar_deref', pc: 1 });
  });
  it('map value bounds are value_size', () => {
    const ok = run([...lookup0, I(0x79, 0, 0, 0, 0), EXIT], [ARRAY8]);
    expect(r0(ok)).toBe(0n);
    const f = fault(run([...lookup0, I(0x71, 0, 0, 8, 0), EXIT], [ARRAY8]));
    expect(f).toMatchObject({ kind: 'out_of_bounds', pc: 5, offset: 8, size: 1, region: { kind: 'map_value', size: 8 } });
  });
  it('a deleted hash element is a use after free', () => {
    const vp = load([...lookup0, I(0xbf, 6, 0, 0, 0), I(0xbf, 2, 10, 0, 0), I(0x07, 2, 0, 0, -4), mapFd(1, 0), call(3),
      I(0x79, 0, 6, 0, 0), EXIT], [HASH8]);
    vp.maps[0]!.update(le32(0), new Uint8Array(8), 0);
    expect(fault(runVm(vp))).toMatchObject({ kind: 'use_after_free', pc: 10, region: { kind: 'map_value' } });
  });
  it('read-only memory: xdp context fields and BPF_F_RDONLY_PROG maps', () => {
    expect(fault(run([I(0x62, 1, 0, 0, 0), mov(0, 0), EXIT], [], 'xdp'))).toMatchObject({ kind: 'read_only', region: { kind: 'ctx' } });
    const ro: MapDef = { ...ARRAY8, flags: 0x80 };
    expect(fault(run([...lookup0, I(0x7a, 0, 0, 0, 1), mov(0, 0), EXIT], [ro]))).toMatchObject({ kind: 'read_only', pc: 5 });
  });
  it('packet reads stop at data_end (sched_cls)', () => {
    const prog = [I(0x61, 2, 1, 76, 0), I(0x61, 3, 1, 80, 0), I(0x71, 0, 2, 63, 0), I(0x71, 0, 2, 64, 0), EXIT];
    expect(fault(run(prog, [], 'sched_cls'))).toMatchObject({ kind: 'out_of_bounds', pc: 3, offset: 64, region: { kind: 'packet', size: 64 } });
  });
});

describe('xdp frame', () => {
  it('a packet pointer from before bpf_xdp_adjust_head is a use after free', () => {
    // r6 = ctx; r7 = data; adjust_head(ctx, 4); r0 = *(u8 *)(r7 + 0)
    const prog = [I(0xbf, 6, 1, 0, 0), I(0x61, 7, 1, 0, 0), mov(2, 4), call(44), I(0x71, 0, 7, 0, 0), EXIT];
    expect(fault(run(prog, [], 'xdp'))).toMatchObject({ kind: 'use_after_free', pc: 4, region: { kind: 'packet' } });
    const out = run([I(0xbf, 6, 1, 0, 0), mov(2, -4), call(44), I(0x61, 2, 6, 0, 0), I(0x62, 2, 0, 0, 0x11223344), mov(0, 2), EXIT],
      [], 'xdp', { packet: new Uint8Array(64).fill(0xaa) });
    expect(out.kind === 'ok' && [...out.packetOut!.subarray(0, 6)]).toEqual([0x44, 0x33, 0x22, 0x11, 0xaa, 0xaa]);
    expect(out.kind === 'ok' && out.packetOut!.length).toBe(68);
  });
});

describe('registers, calls, control', () => {
  it('reading a register never written, or clobbered by a helper call', () => {
    expect(fault(run([I(0xbf, 0, 2, 0, 0), EXIT]))).toMatchObject({ kind: 'uninit_reg', pc: 0, message: expect.stringMatching(/^R2 !read_ok/) });
    expect(fault(run([mov(1, 1), call(7), I(0xbf, 0, 1, 0, 0), EXIT]))).toMatchObject({ kind: 'uninit_reg', pc: 2 });
    expect(fault(run([EXIT]))).toMatchObject({ kind: 'uninit_reg', message: expect.stringMatching(/^R0 !read_ok/) });
  });
  it('bpf-to-bpf calls keep r6-r9, recursion stops at 8 frames', () => {
    const prog = [mov(6, 5), mov(1, 3), I(0x85, 0, 1, 0, 2), I(0x0f, 0, 6, 0, 0), EXIT, I(0xbf, 0, 1, 0, 0), I(0x27, 0, 0, 0, 10), mov(6, 99), EXIT];
    expect(r0(run(prog))).toBe(35n);
    expect(fault(run([I(0x85, 0, 1, 0, -1), EXIT]))).toMatchObject({ kind: 'call_depth', message: 'the call stack of 9 frames is too deep' });
  });
  it('unknown helpers, falling off the end and the budget are faults', () => {
    expect(fault(run([call(9999), EXIT]))).toMatchObject({ kind: 'unknown_helper', message: 'helper #9999 is not implemented by the VM' });
    expect(fault(run([mov(0, 0)]))).toMatchObject({ kind: 'fell_off_end', pc: 1 });
    expect(fault(runVm(load([mov(0, 0), I(0x05, 0, 0, -2, 0), EXIT]), { budget: 1000 }))).toMatchObject({ kind: 'budget' });
  });
  it('may_goto allows 8M iterations per frame', () => {
    const prog = [mov(0, 0), I(0xe5, 0, 0, 2, 0), I(0x07, 0, 0, 0, 1), I(0x05, 0, 0, -3, 0), EXIT];
    expect(r0(runVm(load(prog), { budget: 30_000_000 }))).toBe(8388608n);
  });
  it('bpf_loop calls the callback until it returns 1 and returns the iteration count', () => {
    // main: r1 = 10, r2 = &cb, r3 = 0, r4 = 0, call bpf_loop; exit. cb(i): r0 = (i == 4); exit.
    const prog = [mov(1, 10), mkLdImm64(2, 4, 0n), mov(3, 0), mov(4, 0), call(181), EXIT,
      mov(0, 0), I(0x55, 1, 0, 1, 4), mov(0, 1), EXIT];
    // The callback starts at slot 7 (pc 6); ld_imm64 src=4 at slot 1 counts from slot 1 + 1: imm = 5.
    prog[1] = { ...prog[1]!, imm: 5 };
    expect(r0(run(prog))).toBe(5n);
  });
  it('tail calls stop after 33', () => {
    // r6 = ctx; count in map 0 value; tail-call self; on failure return the count.
    const prog = [I(0xbf, 6, 1, 0, 0), ...lookup0, I(0x55, 0, 0, 2, 0), mov(0, 0), EXIT,
      I(0x79, 7, 0, 0, 0), I(0x07, 7, 0, 0, 1), I(0x7b, 0, 7, 0, 0),
      I(0xbf, 1, 6, 0, 0), mapFd(2, 1), mov(3, 0), call(12), I(0xbf, 0, 7, 0, 0), EXIT];
    const vp = load(prog, [ARRAY8, { type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 1 }]);
    vp.maps[1]!.slots.set(0, { code: vp.code });
    expect(r0(runVm(vp))).toBe(34n);
  });
});

describe('queue, stack and bloom filter flags', () => {
  // *(u64 *)(r10 -8) = 7; r1 = map[0]; r2 = r10 - 8; r3 = FLAGS; call bpf_map_push_elem; exit
  const push = (flags: number): Insn[] => [I(0x7a, 10, 0, -8, 7), mapFd(1, 0), I(0xbf, 2, 10, 0, 0), I(0x07, 2, 0, 0, -8), mov(3, flags), call(87), EXIT];
  const BLOOM: MapDef = { type: 'bloom_filter', keySize: 0, valueSize: 8, maxEntries: 4, mapExtra: 3 };
  const QUEUE: MapDef = { type: 'queue', keySize: 0, valueSize: 8, maxEntries: 4 };
  it('bloom filter push takes only BPF_ANY (live 6.18 returned -EINVAL for flags 1)', () => {
    expect(r0(run(push(0), [BLOOM]))).toBe(0n);
    expect(r0(run(push(1), [BLOOM]))).toBe(BigInt.asUintN(64, -22n));
    expect(r0(run(push(2), [BLOOM]))).toBe(BigInt.asUintN(64, -22n));
  });
  it('queue push refuses BPF_NOEXIST and unknown flags', () => {
    expect(r0(run(push(0), [QUEUE]))).toBe(0n);
    expect(r0(run(push(2), [QUEUE]))).toBe(0n);
    expect(r0(run(push(1), [QUEUE]))).toBe(BigInt.asUintN(64, -22n));
    expect(r0(run(push(4), [QUEUE]))).toBe(BigInt.asUintN(64, -22n));
  });
});

describe('spin locks and ring buffers', () => {
  const LOCKED: MapDef = { type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, btf: { fields: [{ kind: 'spin_lock', off: 0 }] } };
  const lockCall = (id: number): Insn[] => [I(0xbf, 1, 6, 0, 0), call(id)];
  const pre = [...lookup0, I(0x55, 0, 0, 2, 0), mov(0, 0), EXIT, I(0xbf, 6, 0, 0, 0)];
  it('double lock, unlock without lock, exit with the lock held', () => {
    expect(fault(run([...pre, ...lockCall(93), ...lockCall(93), mov(0, 0), EXIT], [LOCKED], 'sched_cls'))).toMatchObject({ kind: 'lock' });
    expect(fault(run([...pre, ...lockCall(94), mov(0, 0), EXIT], [LOCKED], 'sched_cls'))).toMatchObject({ kind: 'lock', message: expect.stringMatching(/not held/) });
    expect(fault(run([...pre, ...lockCall(93), mov(0, 0), EXIT], [LOCKED], 'sched_cls'))).toMatchObject({ kind: 'lock', message: expect.stringMatching(/BPF_EXIT/) });
    expect(r0(run([...pre, ...lockCall(93), ...lockCall(94), mov(0, 0), EXIT], [LOCKED], 'sched_cls'))).toBe(0n);
  });
  const RB: MapDef = { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 };
  const reserve = [mapFd(1, 0), mov(2, 16), mov(3, 0), call(131), I(0x55, 0, 0, 2, 0), mov(0, 0), EXIT, I(0xbf, 6, 0, 0, 0)];
  it('records: submitted ones reach the user, leaks and use after submit are faults', () => {
    const vp = load([...reserve, I(0x7a, 6, 0, 0, 0x2a), I(0xbf, 1, 6, 0, 0), mov(2, 0), call(132), mov(0, 0), EXIT], [RB]);
    expect(r0(runVm(vp))).toBe(0n);
    const recs = vp.maps[0]!.drain();
    expect(recs.length).toBe(1);
    expect([...recs[0]!.subarray(0, 2)]).toEqual([0x2a, 0]);
    expect(fault(run([...reserve, mov(0, 0), EXIT], [RB]))).toMatchObject({ kind: 'leak' });
    expect(fault(run([...reserve, I(0xbf, 1, 6, 0, 0), mov(2, 0), call(133), I(0x79, 0, 6, 0, 0), EXIT], [RB])))
      .toMatchObject({ kind: 'use_after_free', region: { kind: 'ringbuf_record' } });
  });
});

describe('traces', () => {
  it('record pc, registers before the instruction, and pointer kinds', () => {
    const r = runVm(load([mov(0, 3), I(0x07, 0, 0, 0, 4), EXIT]), { trace: true, traceStack: true });
    expect(r.kind).toBe('ok');
    expect(r.trace!.map((e) => e.pc)).toEqual([0, 1, 2]);
    expect(r.trace![1]!.regs[0]).toBe(3n);
    expect(r.trace![2]!.regs[0]).toBe(7n);
    expect(r.trace![0]!.regKinds[10]).toMatchObject({ kind: 'stack', off: 512 });
    expect(r.trace![0]!.regKinds[1]).toMatchObject({ kind: 'ctx', off: 0 });
    expect(r.trace![0]!.stack!.bytes.length).toBe(512);
  });
});

describe('robustness', () => {
  it('random bytes as programs give a load error or a typed result, never an exception', () => {
    let loaded = 0;
    fc.assert(fc.property(fc.uint8Array({ minLength: 8, maxLength: 256 }).map((b) => b.subarray(0, b.length - (b.length % 8))),
      fc.constantFrom<ProgType>('socket_filter', 'sched_cls', 'xdp', 'raw_tracepoint', 'syscall'), (bytes, progType) => {
        let insns: Insn[];
        try { insns = decode(bytes); } catch { return; }
        const vp = loadVmProgram({ progType, insns, maps: [ARRAY8] });
        if (isLoadError(vp)) { expect(typeof vp.message).toBe('string'); return; }
        loaded++;
        const r = runVm(vp, { budget: 10_000, ctx: new Uint8Array(64) });
        expect(['ok', 'fault']).toContain(r.kind);
      }), { numRuns: 5000 });
    console.log(`random bytes: ${loaded} of 5000 programs passed load validation and ran to a typed result`);
  });
  it('random valid-looking programs (random ALU with random memory ops) never throw', () => {
    fc.assert(fc.property(fc.array(fc.record({ code: fc.constantFrom(0x61, 0x79, 0x7b, 0x62, 0xdb, 0xc3, 0x85, 0x07, 0xbf, 0x15, 0x05, 0x95, 0x18),
      dst: fc.integer({ min: 0, max: 10 }), src: fc.integer({ min: 0, max: 10 }), off: fc.integer({ min: -600, max: 600 }),
      imm: fc.integer({ min: -2, max: 200 }) }), { minLength: 1, maxLength: 30 }), (raw) => {
      const insns = raw.map((r) => (r.code === 0x18 ? mkLdImm64(r.dst, 0, BigInt(r.imm)) : I(r.code, r.dst, r.src, r.off, r.imm)));
      const vp = loadVmProgram({ progType: 'xdp', insns, maps: [ARRAY8] });
      if (isLoadError(vp)) return;
      const r = runVm(vp, { budget: 10_000 });
      expect(['ok', 'fault']).toContain(r.kind);
    }), { numRuns: 3000 });
  });
});
