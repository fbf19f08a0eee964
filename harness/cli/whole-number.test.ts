import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseWhole, parseWholeIfGiven } from './whole-number.ts';
import { UserError } from '../errors.ts';

describe('whole-number options', () => {
  it('accepts decimal integers in range, from text or the numeric default', () => {
    expect(parseWhole('budget', '20000000', { min: 1 })).toBe(20_000_000);
    expect(parseWhole('seed', '-7', { min: -(2 ** 31) })).toBe(-7);
    expect(parseWhole('seed', ' +3 ', { min: 0 })).toBe(3);
    expect(parseWhole('workers', 1, { min: 1, max: 64 })).toBe(1);
    expect(parseWholeIfGiven('count', undefined, { min: 0 })).toBeUndefined();
  });

  it('quotes what was typed when it is not a whole number in range', () => {
    expect(() => parseWhole('model-budget', 'abc', { min: 1, max: 1_000_000 }))
      .toThrow("--model-budget: 'abc' must be a whole number from 1 to 1000000");
    expect(() => parseWhole('kernel-states-every', '-1', { min: 0, note: '(0: never)' }))
      .toThrow("--kernel-states-every: '-1' must be a whole number (0 or more) (0: never)");
    expect(() => parseWhole('budget', '1.5', { min: 1 })).toThrow("--budget: '1.5' must be a whole number of at least 1");
    for (const bad of ['', '0x10', '1e3', '12abc', '99999999999999999999', 'NaN', 'Infinity']) {
      expect(() => parseWhole('n', bad, { min: 0 })).toThrow(UserError);
    }
  });

  it('round-trips every safe integer in range and refuses every one outside it', () => {
    fc.assert(fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 }), (v, lo) => {
      const ok = v >= lo;
      let got: number | undefined;
      try { got = parseWhole('x', String(v), { min: lo }); } catch (e) { expect(e).toBeInstanceOf(UserError); }
      expect(got === v).toBe(ok);
    }));
  });
});
