import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { chunks, ddmin } from './ddmin.ts';

describe('chunks', () => {
  it('partitions in order into n non-empty parts', () => {
    fc.assert(fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), fc.nat(), (xs, k) => {
      const n = 1 + (k % xs.length);
      const parts = chunks(xs, n);
      expect(parts).toHaveLength(n);
      expect(parts.every((p) => p.length > 0)).toBe(true);
      expect(parts.flat()).toEqual(xs);
    }));
  });
});

describe('ddmin', () => {
  it('finds the two needed elements', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    const r = ddmin(xs, (s) => s.includes(7) && s.includes(31));
    expect(r.items).toEqual([7, 31]);
    expect(r.exhausted).toBe(false);
  });

  it('property: result satisfies the predicate, is a subsequence, and is 1-minimal', () => {
    // Predicate: the subset contains every required value, and at least `k` elements equal to 0.
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 0, max: 3 }),
      (xs, k) => {
        const need = [...new Set(xs.filter((x) => x % 3 === 1))];
        const zeros = Math.min(k, xs.filter((x) => x === 0).length);
        const pred = (s: number[]): boolean => need.every((v) => s.includes(v)) && s.filter((x) => x === 0).length >= zeros;
        const r = ddmin(xs, pred);
        expect(pred(r.items)).toBe(true);
        expect(r.items.length).toBeLessThanOrEqual(xs.length);
        let j = 0;
        for (const x of xs) if (j < r.items.length && r.items[j] === x) j++;
        expect(j).toBe(r.items.length); // subsequence
        for (let i = 0; i < r.items.length; i++) {
          expect(pred(r.items.filter((_, q) => q !== i))).toBe(false);
        }
        expect(r.items.length).toBe(need.length + zeros);
      }));
  });

  it('returns the empty array when nothing is needed', () => {
    expect(ddmin([1, 2, 3], () => true).items).toEqual([]);
  });

  it('stops at the budget and says so, still satisfying the predicate', () => {
    const xs = Array.from({ length: 64 }, (_, i) => i);
    const pred = (s: number[]): boolean => s.includes(5) && s.includes(60);
    const r = ddmin(xs, pred, 3);
    expect(r.exhausted).toBe(true);
    expect(r.tests).toBe(3);
    expect(pred(r.items)).toBe(true);
  });
});
