/**
 * 64-bit division on halves equals bigint division: unsigned and signed (C signs, INT64_MIN / -1
 * wrapping), on random operands and on the edges where a double estimate is most likely wrong
 * (divisors just above 2^32, dividends near 2^64, exact multiples, quotients near 2^32).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OUT, sdivmod64, udivmod64 } from './div64.ts';

const M = (1n << 64n) - 1n;
const lo = (v: bigint): number => Number(BigInt.asIntN(32, v));
const hi = (v: bigint): number => Number(BigInt.asIntN(32, v >> 32n));
const out = (i: number): bigint => (BigInt(OUT[i + 1]! >>> 0) << 32n) | BigInt(OUT[i]! >>> 0);

const EDGES = [1n, 2n, 3n, 7n, 0xffffffffn, 0x100000000n, 0x100000001n, 0x1ffffffffn, 0x7fffffffffffffffn, 0x8000000000000000n,
  0x8000000000000001n, M, M - 1n, 0xfffffffe00000001n, 0x123456789abcdefn];
const u64 = fc.oneof(fc.constantFrom(...EDGES), fc.bigInt({ min: 0n, max: M }), fc.bigInt({ min: 0n, max: 0xffffffffn }),
  fc.bigInt({ min: 0x100000000n, max: 0x3ffffffffn }));
const nonZero = u64.filter((v) => v !== 0n);

function unsigned(a: bigint, b: bigint): void {
  udivmod64(hi(a), lo(a), hi(b), lo(b));
  expect([out(0), out(2)]).toEqual([a / b, a % b]);
}

describe('udivmod64 / sdivmod64', () => {
  it('unsigned: equals bigint / and % on random and edge operands', () => {
    fc.assert(fc.property(u64, nonZero, unsigned), { numRuns: 20000 });
  });
  it('unsigned: exact multiples and their neighbours (quotient estimates land on integers)', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0x100000000n, max: M }), fc.bigInt({ min: 1n, max: 0xffffffffn }), fc.integer({ min: -2, max: 2 }), (b, q, d) => {
      const a = q * b + BigInt(d);
      if (a < 0n || a > M) return;
      unsigned(a, b);
    }), { numRuns: 20000 });
  });
  it('signed: equals bigint truncating division and remainder with the dividend sign', () => {
    fc.assert(fc.property(u64, nonZero, (ua, ub) => {
      const a = BigInt.asIntN(64, ua), b = BigInt.asIntN(64, ub);
      sdivmod64(hi(ua), lo(ua), hi(ub), lo(ub));
      expect([out(0), out(2)]).toEqual([BigInt.asUintN(64, a / b), BigInt.asUintN(64, a % b)]);
    }), { numRuns: 20000 });
  });
  it('INT64_MIN / -1 = INT64_MIN, remainder 0; by hand: 7 / 2, -7 / 2, 7 % -2', () => {
    sdivmod64(hi(1n << 63n), 0, -1, -1);
    expect([out(0), out(2)]).toEqual([1n << 63n, 0n]);
    sdivmod64(0, 7, 0, 2);
    expect([out(0), out(2)]).toEqual([3n, 1n]);
    sdivmod64(-1, -7, 0, 2);
    expect([out(0), out(2)]).toEqual([BigInt.asUintN(64, -3n), BigInt.asUintN(64, -1n)]);
    sdivmod64(0, 7, -1, -2);
    expect([out(0), out(2)]).toEqual([BigInt.asUintN(64, -3n), 1n]);
  });
});
