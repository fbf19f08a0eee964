import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { refAlu } from '../../vm/reference.ts';
import { type AluOp, type Scalar, scalarAlu, scalarAluFork, scalarConst, scalarNeg, scalarToBounds, scalarUnknown } from './scalar.ts';
import { NUM_RUNS, abstractSet, arbScalarOperand, isMember } from './test-arbitraries.ts';
import { regBoundsSync } from './sync.ts';

/** Opcode (BPF_OP) and `off` of each ALU op, to ask the VM's reference semantics (harness/vm/reference.ts). */
const CODE: Record<AluOp, { op: number; off: number }> = {
  add: { op: 0x00, off: 0 }, sub: { op: 0x10, off: 0 }, mul: { op: 0x20, off: 0 }, div: { op: 0x30, off: 0 },
  sdiv: { op: 0x30, off: 1 }, or: { op: 0x40, off: 0 }, and: { op: 0x50, off: 0 }, lsh: { op: 0x60, off: 0 },
  rsh: { op: 0x70, off: 0 }, mod: { op: 0x90, off: 0 }, smod: { op: 0x90, off: 1 }, xor: { op: 0xa0, off: 0 },
  mov: { op: 0xb0, off: 0 }, arsh: { op: 0xc0, off: 0 },
};
const OPS = Object.keys(CODE) as AluOp[];

const concrete = (op: AluOp, is64: boolean, x: bigint, y: bigint): bigint =>
  refAlu({ code: (is64 ? 0x07 : 0x04) | CODE[op].op | 0x08, off: CODE[op].off, imm: 0 }, x, y);

/** The abstract result, following a fork on the path each concrete dst value takes. */
function abstractFor(op: AluOp, is64: boolean, a: Scalar, b: Scalar, x: bigint): Scalar {
  const fork = scalarAluFork(op, is64, a, b);
  if (!fork) return scalarAlu(op, is64, a, b);
  const dst = isMember(fork.current, x) ? fork.current : fork.pushed;
  return scalarAlu(op, is64, dst, b);
}

function checkSound(op: AluOp, is64: boolean, a: { s: Scalar; xs: bigint[] }, b: { s: Scalar; xs: bigint[] }): number {
  let n = 0;
  for (const x of a.xs) {
    const r = abstractFor(op, is64, a.s, b.s, x);
    for (const y of b.xs) {
      const z = concrete(op, is64, x, y);
      if (!isMember(r, z)) {
        throw new Error(`${is64 ? 'alu64' : 'alu32'} ${op}: ${x} op ${y} = ${z} not in ${JSON.stringify(scalarToBounds(r), (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`);
      }
      n++;
    }
  }
  return n;
}

describe('scalarAlu: soundness against the reference semantics (fast-check)', () => {
  for (const op of OPS) {
    it(`${op} (ALU64 and ALU32)`, () => {
      fc.assert(fc.property(arbScalarOperand, arbScalarOperand, fc.boolean(), (a, b, is64) => {
        expect(checkSound(op, is64, a, b)).toBeGreaterThan(0);
      }), { numRuns: Math.ceil(NUM_RUNS / 3) });
    });
  }

  it('neg (ALU64 and ALU32)', () => {
    fc.assert(fc.property(arbScalarOperand, fc.boolean(), ({ s, xs }, is64) => {
      const r = scalarNeg(is64, s);
      for (const x of xs) expect(isMember(r, refAlu({ code: (is64 ? 0x07 : 0x04) | 0x80, off: 0, imm: 0 }, x, 0n))).toBe(true);
    }), { numRuns: NUM_RUNS });
  });
});

/** Every non-empty subset of a small pool of boundary values, abstracted. */
function poolScalars(pool: bigint[]): { s: Scalar; xs: bigint[] }[] {
  const out: { s: Scalar; xs: bigint[] }[] = [];
  for (let m = 1; m < 1 << pool.length; m++) {
    const xs = pool.filter((_, i) => (m >> i) & 1);
    out.push({ s: regBoundsSync(abstractSet(xs)), xs });
  }
  return out;
}

describe('scalarAlu: exhaustive soundness over all subsets of a boundary pool', () => {
  const pool = [0n, 31n, 0x8000_0000n, 0xffff_ffffn, (1n << 64n) - 1n];
  const all = poolScalars(pool);
  it(`every op, both widths, every pair of the ${all.length} subset abstractions of {${pool.join(', ')}}`, () => {
    let n = 0;
    for (const op of OPS) for (const is64 of [true, false]) for (const a of all) for (const b of all) n += checkSound(op, is64, a, b);
    console.log(`alu exhaustive pool: ${n} concrete results checked`);
    expect(n).toBe(OPS.length * 2 * (pool.length * 2 ** (pool.length - 1)) ** 2);
  }, 120_000);
});

describe('scalarAluFork', () => {
  it('splits a [-1, 0] dst before and/or with a constant into paths that cover it', () => {
    fc.assert(fc.property(fc.boolean(), fc.boolean(), arbScalarOperand, (whole, is64, k) => {
      const dst = whole ? scalarAlu('arsh', true, scalarUnknown(), scalarConst(63n)) : scalarAlu('arsh', false, scalarUnknown(), scalarConst(31n));
      const f = scalarAluFork('and', is64, dst, scalarConst(k.xs[0]!));
      expect(f).toBeDefined();
      const members = whole ? [0n, (1n << 64n) - 1n] : [0n, 0xffff_ffffn];
      for (const x of members) expect(isMember(f!.current, x) || isMember(f!.pushed, x)).toBe(true);
    }), { numRuns: 200 });
  });

  it('does not fork for other ops, unknown sources or other ranges', () => {
    const m1 = scalarAlu('arsh', true, scalarUnknown(), scalarConst(63n));
    expect(scalarAluFork('xor', true, m1, scalarConst(5n))).toBeUndefined();
    expect(scalarAluFork('and', true, m1, scalarUnknown())).toBeUndefined();
    expect(scalarAluFork('and', true, scalarUnknown(), scalarConst(5n))).toBeUndefined();
  });
});

const hex = (b: object): Record<string, string> => JSON.parse(JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? `0x${BigInt.asUintN(64, v).toString(16)}` : v)));
const X = (o: Record<string, bigint | { value: bigint; mask: bigint }>): Record<string, string> => hex(o);
const U = scalarUnknown();
const C = (v: bigint): Scalar => scalarConst(v);

describe('scalarAlu: cases printed by the live 6.18 kernel (expected values copied from its log)', () => {
  it('r6 s>>= 63 gives [-1, 0]; then += 5 and *= 5', () => {
    const m = scalarAlu('arsh', true, U, C(63n));
    expect(hex(scalarToBounds(m))).toEqual(X({ smin: -1n, smax: 0n, smin32: -1n, smax32: 0n }));
    expect(hex(scalarToBounds(scalarAlu('add', true, m, C(5n))))).toEqual(X({
      smin: 4n, smax: 5n, umin: 4n, umax: 5n, smin32: 4n, smax32: 5n, umin32: 4n, umax32: 5n, varOff: { value: 4n, mask: 1n },
    }));
    expect(hex(scalarToBounds(scalarAlu('mul', true, m, C(5n))))).toEqual(X({ smin: -5n, smax: 0n, smin32: -5n, smax32: 0n }));
    expect(hex(scalarToBounds(scalarAlu('xor', true, m, C(5n))))).toEqual({});
  });

  it('w6 s>>= 31 zero-extends: smin=0,smax=umax=0xffffffff,smin32=-1,smax32=0', () => {
    const m = scalarAlu('arsh', false, U, C(31n));
    expect(hex(scalarToBounds(m))).toEqual(X({
      smin: 0n, smax: 0xffff_ffffn, umax: 0xffff_ffffn, smin32: -1n, smax32: 0n, varOff: { value: 0n, mask: 0xffff_ffffn },
    }));
  });

  it('mul of (0x1000000000000010; 0xf) by (3; 4): bounds and union-based tnum_mul', () => {
    let a = scalarAlu('and', true, U, C(0x1fn));
    a = scalarAlu('or', true, a, C(0x10n));
    a = scalarAlu('or', true, a, C(0x1000_0000_0000_0000n));
    let b = scalarAlu('and', true, U, C(7n));
    b = scalarAlu('or', true, b, C(3n));
    expect(hex(scalarToBounds(scalarAlu('mul', true, a, b)))).toEqual(X({
      smin: 0x3000_0000_0000_0030n, smax: 0x7000_0000_0000_00d9n, umin: 0x3000_0000_0000_0030n, umax: 0x7000_0000_0000_00d9n,
      smin32: 48n, smax32: 217n, umin32: 48n, umax32: 217n, varOff: { value: 0x3000_0000_0000_0000n, mask: 0x4000_0000_0000_00ffn },
    }));
  });

  it('and with 0xff; or with -16 of a constant; div/mod and shifts by unknown give unknown', () => {
    expect(hex(scalarToBounds(scalarAlu('and', true, U, C(0xffn))))).toEqual(X({
      smin: 0n, smax: 255n, umax: 255n, smin32: 0n, smax32: 255n, umax32: 255n, varOff: { value: 0n, mask: 255n },
    }));
    expect(scalarToBounds(scalarAlu('or', true, C(3n), C(-16n)))).toEqual(scalarToBounds(C(-13n)));
    expect(scalarToBounds(scalarAlu('div', true, C(100n), C(7n)))).toEqual({});
    expect(scalarToBounds(scalarAlu('lsh', true, C(1n), U))).toEqual({});
    expect(scalarToBounds(scalarAlu('lsh', false, C(1n), C(0x1_0000_0001n)))).toEqual({});
  });

  it('<<32 of an s32 range that is negative keeps it in the s64 bounds', () => {
    // r8 u>= 0xffffffff851eb853 (a jlt fall-through), then r8 <<= 32
    const r8 = regBoundsSync({ ...U, umin: 0xffff_ffff_851e_b853n });
    expect(hex(scalarToBounds(scalarAlu('lsh', true, r8, C(32n))))).toEqual(X({
      smin: -8854437150742020096n, smax: -4294967296n, umin: 9592306922967531520n, umax: 18446744069414584320n,
      smin32: 0n, smax32: 0n, umax32: 0n, varOff: { value: 0x8000_0000_0000_0000n, mask: 0x7fff_ffff_0000_0000n },
    }));
  });
});
