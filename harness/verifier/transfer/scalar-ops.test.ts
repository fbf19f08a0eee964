import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type AluOp, scalarAlu, scalarConst } from '../domains/scalar.ts';
import { aluOp } from './scalar-ops.ts';

const OPS: AluOp[] = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'lsh', 'rsh', 'arsh'];
// constants near the edges that matter: small shift amounts, 32-bit and 64-bit boundaries
const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.bigInt({ min: 0n, max: 70n }),
  fc.constantFrom(1n << 32n, (1n << 32n) + 3n, (1n << 31n), (1n << 63n), (1n << 64n) - 1n),
);

describe('aluOp: the constant shortcut returns exactly what the domain computes', () => {
  it('for every op, both widths, any two constants (law)', () => {
    fc.assert(fc.property(fc.constantFrom(...OPS), fc.boolean(), u64, u64, (op, is64, a, b) => {
      const dst = scalarConst(a);
      const src = scalarConst(b);
      expect(aluOp(op, is64, dst, src)).toEqual(scalarAlu(op, is64, dst, src));
    }), { numRuns: 3000 });
  });

  it('a 32-bit shift by a register whose low word is 0 but whole value is not is unknown (campaign entry 91a354)', () => {
    const r = aluOp('rsh', false, scalarConst(0n), scalarConst(1n << 32n));
    expect(r.umax).toBe((1n << 64n) - 1n);
  });
});
