import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { regExcludes, scalarExcludes } from './containment.ts';

describe('scalarExcludes', () => {
  it('contains values inside every bound and rejects each bound separately', () => {
    const b = { smin: -4n, smax: 100n, umin: 0n, umax: 0xffffffffffffffffn, smin32: -4n, smax32: 100n, umin32: 0n, umax32: 0xffffffffn };
    expect(scalarExcludes(b, 5n)).toBeUndefined();
    expect(scalarExcludes(b, -4n)).toBeUndefined();
    expect(scalarExcludes(b, 101n)).toBe('smax=100');
    expect(scalarExcludes(b, -5n)).toBe('smin=-4');
    expect(scalarExcludes({ umax: 7n }, 8n)).toBe('umax=7');
    expect(scalarExcludes({ umin32: 2n }, 0x1_0000_0001n)).toBe('umin32=2');
  });

  it('checks the known bits of var_off', () => {
    const b = { varOff: { value: 0x10n, mask: 0x0fn } }; // 0x10..0x1f
    expect(scalarExcludes(b, 0x1an)).toBeUndefined();
    expect(scalarExcludes(b, 0x20n)).toBe('var_off=(0x10; 0xf)');
    expect(scalarExcludes(b, -1n)).toBe('var_off=(0x10; 0xf)');
  });

  it('absent bounds contain everything (property)', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v) => {
      expect(scalarExcludes({}, v)).toBeUndefined();
      expect(scalarExcludes(undefined, v)).toBeUndefined();
    }));
  });

  it('a constant contains exactly itself (property)', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (c, v) => {
      const b = { smin: BigInt.asIntN(64, c), smax: BigInt.asIntN(64, c), umin: c, umax: c, varOff: { value: c, mask: 0n } };
      expect(scalarExcludes(b, v) === undefined).toBe(v === c);
    }));
  });
});

describe('regExcludes', () => {
  const stack = { rid: 0x8000, kind: 'stack', label: 'stack of frame 0', off: 504 };
  it('matches a stack pointer by region kind and offset', () => {
    expect(regExcludes({ type: 'fp', off: -8 }, 0n, stack)).toBeUndefined();
    expect(regExcludes({ type: 'fp', off: -16, bounds: { smin: 0n } }, 0n, stack)).toBeUndefined(); // only a lower bound: -8 = -16 + 8 is fine
    expect(regExcludes({ type: 'fp', off: -16 }, 0n, stack)).toBe('fp offset -8 outside off=-16 + smax=0'); // no bounds: no variable part
    expect(regExcludes({ type: 'fp', off: -16, bounds: { smin: 0n, smax: 0n } }, 0n, stack)).toBe('fp offset -8 outside off=-16 + smax=0');
    expect(regExcludes({ type: 'map_value', off: 0 }, 0n, stack)).toBe('expected a map_value pointer, got a pointer into stack (stack of frame 0)');
  });

  it('accepts null for _or_null pointers only', () => {
    expect(regExcludes({ type: 'map_value', orNull: true }, 0n, undefined)).toBeUndefined();
    expect(regExcludes({ type: 'map_value' }, 0n, undefined)).toBe('expected a map_value pointer, got scalar 0x0');
  });

  it('judges scalars by value and leaves unknown pointer types alone', () => {
    expect(regExcludes({ type: 'scalar', bounds: { umax: 3n } }, 4n, undefined)).toBe('value 0x4 outside umax=3');
    expect(regExcludes({ type: 'ptr_task_struct' }, 4n, undefined)).toBeUndefined();
  });
});
