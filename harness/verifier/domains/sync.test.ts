import { describe, expect, it } from 'vitest';
import { S64_MAX, S64_MIN, U64_MAX } from './bounds.ts';
import { scalarToBounds, scalarUnknown } from './scalar.ts';
import type { Scalar } from './scalar-core.ts';
import { regBoundsSanityCheck, regBoundsSync } from './sync.ts';

const hex = (b: object): unknown => JSON.parse(JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? `0x${BigInt.asUintN(64, v).toString(16)}` : v)));
const U = scalarUnknown();

describe('reg_bounds_sync: cases printed by the live 6.18 kernel', () => {
  it('s64 [-524287, 0] with u64 <= -2 and u32 > 0x747ae149 (needs the third deduction round)', () => {
    const s: Scalar = { ...U, smin: -524287n, smax: 0n, umax: U64_MAX - 1n, s32min: -524287n, s32max: 0n, u32min: 0x747a_e14an };
    expect(hex(scalarToBounds(regBoundsSync(s)))).toEqual(hex({
      smin: -524287n, smax: -2n, umin: 0xffff_ffff_fff8_0001n, umax: 0xffff_ffff_ffff_fffen,
      smin32: -524287n, smax32: -2n, umin32: 0xfff8_0001n, umax32: 0xffff_fffen,
      varOff: { value: 0xffff_ffff_fff8_0000n, mask: 0x7_ffffn },
    }));
  });

  it('a u64 range inside one sign half gives the s64 range, and back', () => {
    const s = regBoundsSync({ ...U, umin: 10n, umax: 20n });
    expect([s.smin, s.smax, s.u32min, s.u32max, s.s32min, s.s32max]).toEqual([10n, 20n, 10n, 20n, 10n, 20n]);
    const n = regBoundsSync({ ...U, smin: -3n, smax: -1n });
    expect([n.umin, n.umax]).toEqual([U64_MAX - 2n, U64_MAX]);
  });

  it('a tnum and a range that share one value make a constant', () => {
    // (0x7fff; 0x8000) = {0x7fff, 0xffff} with umax 40076: only 0x7fff (the kernel printed 32767)
    const s = regBoundsSync({ ...U, varOff: { value: 0x7fffn, mask: 0x8000n }, umax: 40076n });
    expect(s.varOff).toEqual({ value: 0x7fffn, mask: 0n });
    expect([s.umin, s.umax, s.smin, s.smax]).toEqual([0x7fffn, 0x7fffn, 0x7fffn, 0x7fffn]);
  });

  it('the sanity check names the kernel reasons', () => {
    expect(regBoundsSanityCheck(U)).toBeUndefined();
    expect(regBoundsSanityCheck({ ...U, umin: 5n, umax: 4n })).toBe('range bounds violation');
    expect(regBoundsSanityCheck({ ...U, varOff: { value: 3n, mask: 0n } })).toBe('const tnum out of sync with range bounds');
    expect(regBoundsSanityCheck({ ...U, smin: S64_MIN, smax: S64_MAX, varOff: { value: 0x1_0000_0003n, mask: 0xffff_ffff_0000_0000n } }))
      .toBe('const subreg tnum out of sync with range bounds');
  });
});
