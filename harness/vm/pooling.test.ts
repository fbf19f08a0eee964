/**
 * Runs reuse pooled state (the VmState, transient region objects, the stack region, whose bytes
 * and shadow are cleared only where written): nothing a run can observe may depend on the runs
 * before it. Hand-built programs show that a second run does not see the first run's stack bytes,
 * stack init shadow, context writes or packet writes; a property runs random memory-touching
 * programs in order, shuffled and twice in a row, and every result equals the program's first.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Insn, mkInsn as I, mkLdImm64 } from '../isa/insn.ts';
import { isLoadError, loadVmProgram, type RunInput, type RunResult, runVm, type VmProgram } from './index.ts';
import { randomAluProgram } from './random-programs.ts';

const EXIT = I(0x95, 0, 0, 0, 0);
const CB = 48; // offsetof(struct __sk_buff, cb)
const PACKET = Uint8Array.from({ length: 64 }, (_, i) => i * 3);
const INPUT: RunInput = { packet: PACKET };

function load(insns: Insn[]): VmProgram {
  const vp = loadVmProgram({ progType: 'sched_cls', insns, maps: [] });
  if (isLoadError(vp)) throw new Error(vp.message);
  return vp;
}

/** r6 = ctx, r2 = skb->data, r3 = skb->data_end; exit 0 unless 8 packet bytes are there. */
const packetGuard: Insn[] = [
  I(0xbf, 6, 1, 0, 0), I(0x61, 2, 6, 76, 0), I(0x61, 3, 6, 80, 0), I(0xbf, 4, 2, 0, 0), I(0x07, 4, 0, 0, 8),
  I(0xbd, 4, 3, 2, 0), I(0xb7, 0, 0, 0, 0), EXIT, // if r4 <= r3 skip the exit
];

describe('pooled run state never leaks between runs', () => {
  it("a second run sees neither the first run's stack bytes nor its stack init shadow", () => {
    const writer = load([I(0x7a, 10, 0, -8, 0x5a5a), I(0x7a, 10, 0, -512, 7), I(0xb7, 0, 0, 0, 1), EXIT]);
    const reader = load([I(0x79, 0, 10, -8, 0), EXIT]);
    expect(runVm(writer, INPUT).kind).toBe('ok');
    const r = runVm(reader, INPUT);
    expect(r.kind === 'fault' && r.fault).toMatchObject({ kind: 'uninit_stack', offset: 504 });
    runVm(writer, INPUT);
    const lenient = runVm(reader, { ...INPUT, uninitStackOk: true });
    expect(lenient.kind === 'ok' && lenient.r0).toBe(0n); // the bytes are zero again, not 0x5a5a
  });
  it("a second run sees neither the first run's context writes nor its packet writes", () => {
    const writer = load([...packetGuard, I(0x62, 6, 0, CB, 0x1234), I(0x72, 2, 0, 0, 0xee), I(0xb7, 0, 0, 0, 1), EXIT]);
    const reader = load([...packetGuard, I(0x61, 7, 6, CB, 0), I(0x71, 0, 2, 0, 0), I(0x67, 7, 0, 0, 8), I(0x4f, 0, 7, 0, 0), EXIT]);
    const w = runVm(writer, INPUT);
    expect(w.kind === 'ok' && [w.packetOut![0], w.ctxOut![CB]]).toEqual([0xee, 0x34]);
    const r = runVm(reader, INPUT);
    expect(r.kind === 'ok' && r.r0).toBe(BigInt(PACKET[0]!)); // cb[0] reads 0, the packet its input byte
    expect(PACKET[0]).toBe(0); // the caller's packet was never written either
  });
  it("xdp: a second run sees neither the first run's packet writes nor its headroom writes (pooled frame)", () => {
    const loadXdp = (insns: Insn[]): VmProgram => {
      const vp = loadVmProgram({ progType: 'xdp', insns, maps: [] });
      if (isLoadError(vp)) throw new Error(vp.message);
      return vp;
    };
    const adjustHead16 = [I(0xbf, 1, 6, 0, 0), I(0xb7, 2, 0, 0, -16), I(0x85, 0, 0, 0, 44)]; // bpf_xdp_adjust_head(ctx, -16)
    const writer = loadXdp([
      I(0xbf, 6, 1, 0, 0), I(0x61, 2, 6, 0, 0), I(0x61, 3, 6, 4, 0), I(0xbf, 4, 2, 0, 0), I(0x07, 4, 0, 0, 8), I(0x2d, 4, 3, 10, 0),
      I(0x72, 2, 0, 0, 0xee), ...adjustHead16,
      I(0x61, 2, 6, 0, 0), I(0x61, 3, 6, 4, 0), I(0xbf, 4, 2, 0, 0), I(0x07, 4, 0, 0, 8), I(0x2d, 4, 3, 1, 0),
      I(0x72, 2, 0, 0, 0x77), I(0xb7, 0, 0, 0, 2), EXIT,
    ]);
    const reader = loadXdp([
      I(0xbf, 6, 1, 0, 0), ...adjustHead16,
      I(0x61, 2, 6, 0, 0), I(0x61, 3, 6, 4, 0), I(0xbf, 4, 2, 0, 0), I(0x07, 4, 0, 0, 24), I(0x2d, 4, 3, 8, 0),
      I(0x71, 0, 2, 0, 0), I(0x71, 5, 2, 16, 0), I(0x71, 7, 2, 17, 0), I(0x67, 5, 0, 0, 8), I(0x4f, 0, 5, 0, 0),
      I(0x67, 7, 0, 0, 16), I(0x4f, 0, 7, 0, 0), EXIT, I(0xb7, 0, 0, 0, 0xffff), EXIT,
    ]);
    const w = runVm(writer, INPUT);
    expect(w.kind === 'ok' && [w.r0, w.packetOut![0], w.packetOut![16]]).toEqual([2n, 0x77, 0xee]);
    const r = runVm(reader, INPUT);
    // headroom byte 0, the input's data[0] (0, not 0xee) and data[1] (3)
    expect(r.kind === 'ok' && r.r0).toBe(BigInt(PACKET[1]!) << 16n);
  });
  it('a result handed out is not changed by later runs', () => {
    const writer = load([...packetGuard, I(0x62, 6, 0, CB, 0x77), I(0x72, 2, 0, 1, 0x99), I(0xb7, 0, 0, 0, 1), EXIT]);
    const first = runVm(writer, INPUT);
    const copy = first.kind === 'ok' ? [Uint8Array.from(first.packetOut!), Uint8Array.from(first.ctxOut!)] : [];
    runVm(load([...packetGuard, I(0x62, 6, 0, CB, 0x11), I(0x72, 2, 0, 1, 0x22), I(0xb7, 0, 0, 0, 1), EXIT]), INPUT);
    expect(first.kind === 'ok' && [first.packetOut, first.ctxOut]).toEqual(copy);
  });
});

/** Random straight-line programs that write and read the stack, the context's cb and the packet. */
const memOp: fc.Arbitrary<Insn[]> = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 64 }), fc.integer()).map(([j, k]) => [I(0x7a, 10, 0, -8 * j, k)]), // *(u64 *)(r10 - 8j) = k
  fc.integer({ min: 1, max: 64 }).map((j) => [I(0x79, 5, 10, -8 * j, 0), I(0xaf, 0, 5, 0, 0)]), // r0 ^= *(u64 *)(r10 - 8j)
  fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer()).map(([i, k]) => [I(0x62, 6, 0, CB + 4 * i, k)]), // cb[i] = k
  fc.integer({ min: 0, max: 4 }).map((i) => [I(0x61, 5, 6, CB + 4 * i, 0), I(0x0f, 0, 5, 0, 0)]), // r0 += cb[i]
  fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 255 })).map(([o, k]) => [I(0x72, 2, 0, o, k)]), // data[o] = k
  fc.integer({ min: 0, max: 7 }).map((o) => [I(0x71, 5, 2, o, 0), I(0x27, 0, 0, 0, 31), I(0x0f, 0, 5, 0, 0)]), // r0 = r0 * 31 + data[o]
);
const memProgram = fc.array(memOp, { minLength: 1, maxLength: 12 }).map((ops): Insn[] => [...packetGuard, ...ops.flat(), EXIT]);
const aluProgram = fc.integer().map((seed) => randomAluProgram(seed, 20));

describe('pooled run state: results do not depend on the runs before', () => {
  it('random programs run in order, shuffled and twice in a row give their first results', () => {
    let faults = 0, oks = 0;
    fc.assert(fc.property(fc.array(fc.oneof(memProgram, memProgram, aluProgram), { minLength: 2, maxLength: 6 }), fc.boolean(),
      fc.func(fc.integer()), (programs, lenient, rank) => {
        const input: RunInput = { packet: PACKET, uninitStackOk: lenient };
        const vps = programs.map((p) => load(p));
        const first: RunResult[] = vps.map((vp) => runVm(vp, input));
        for (const r of first) if (r.kind === 'fault') faults++; else oks++;
        const order = vps.map((_, i) => i).sort((a, b) => rank(a) - rank(b) || a - b);
        for (const i of order) expect(runVm(vps[i]!, input)).toEqual(first[i]);
        for (let i = vps.length - 1; i >= 0; i--) {
          expect(runVm(vps[i]!, input)).toEqual(first[i]);
          expect(runVm(vps[i]!, input)).toEqual(first[i]);
        }
        // A program loaded again from scratch gives the same result too.
        expect(runVm(load(programs[0]!), input)).toEqual(first[0]);
      }), { numRuns: 300 });
    console.log(`pooling: ${oks} ok and ${faults} faulting runs compared across orders`);
    expect(oks).toBeGreaterThan(200);
    expect(faults).toBeGreaterThan(50); // reads of stack slots never written in that run
  });
  it('mkLdImm64 programs (resolved 64-bit constants) and exits stay exact across reuse', () => {
    const p = load([mkLdImm64(0, 0, 0xfedcba9876543210n), EXIT]);
    for (let i = 0; i < 3; i++) expect(runVm(p).kind === 'ok' && (runVm(p) as { r0: bigint }).r0).toBe(0xfedcba9876543210n);
  });
});
