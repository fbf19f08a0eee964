/**
 * The fast interpreter equals the bigint reference semantics: one fast-check property per ALU /
 * JMP opcode (and per off-variant: sdiv/smod, movsx), over random and edge operands, run through
 * the real load + run path (ld_imm64 the operands, apply the operation, return the result).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Insn, mkInsn, mkLdImm64 } from '../isa/insn.ts';
import { OPCODES, type OpcodeRow, BPF_X } from '../isa/opcodes.ts';
import { refAlu, refExtendLoad, refJmp } from './reference.ts';
import { isLoadError, loadVmProgram, runVm } from './index.ts';

const EDGES = [0n, 1n, 2n, 31n, 32n, 63n, 64n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
  0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0xffffffff80000000n, 0xfffffffffffffffen];
const u64 = fc.oneof(fc.constantFrom(...EDGES), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.bigInt({ min: 0n, max: 70n }), fc.bigInt({ min: -70n, max: -1n }).map((v) => BigInt.asUintN(64, v)));
const imm32 = fc.oneof(fc.constantFrom(0, 1, -1, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 16, 8), fc.integer({ min: -0x80000000, max: 0x7fffffff }));

function run(insns: Insn[]): bigint {
  const vp = loadVmProgram({ progType: 'socket_filter', insns, maps: [] });
  if (isLoadError(vp)) throw new Error(vp.message);
  const r = runVm(vp);
  if (r.kind !== 'ok') throw new Error(r.fault.message);
  return r.r0;
}

const values = (rule: OpcodeRow['off']): number[] => (rule.kind === 'oneOf' ? [...rule.values] : [0]);

function aluCases(): Array<{ row: OpcodeRow; off: number; imms: number[] | null }> {
  const out: Array<{ row: OpcodeRow; off: number; imms: number[] | null }> = [];
  for (const row of OPCODES) {
    if (row.kind !== 'alu' && row.kind !== 'end') continue;
    for (const off of values(row.off)) {
      if (row.kind === 'alu' && row.is64 && off === 1 && (row.code & 0xf0) === 0xb0) continue; // addr_space_cast
      out.push({ row, off, imms: row.imm.kind === 'oneOf' ? [...row.imm.values] : row.imm.kind === 'zero' ? [0] : null });
    }
  }
  return out;
}

describe('fast ALU equals refAlu, per opcode', () => {
  for (const { row, off, imms } of aluCases()) {
    it(`${row.name} 0x${row.code.toString(16)} off=${off}`, () => {
      const immArb = imms ? fc.constantFrom(...imms) : imm32;
      fc.assert(fc.property(u64, u64, immArb, (a, b, imm) => {
        const x = (row.code & BPF_X) !== 0 && row.kind === 'alu';
        const op = mkInsn(row.code, 1, x ? 2 : 0, off, x ? 0 : imm);
        const got = run([mkLdImm64(1, 0, a), mkLdImm64(2, 0, b), op, mkInsn(0xbf, 0, 1, 0, 0), mkInsn(0x95, 0, 0, 0, 0)]);
        expect(got).toBe(refAlu(op, a, b));
      }), { numRuns: 150 });
    });
  }
});

describe('fast JMP equals refJmp, per opcode', () => {
  for (const row of OPCODES.filter((r) => r.kind === 'jcond')) {
    it(`${row.name} 0x${row.code.toString(16)}`, () => {
      fc.assert(fc.property(u64, u64, imm32, fc.boolean(), (a, b, imm, same) => {
        const x = (row.code & BPF_X) !== 0;
        const bb = same ? a : b; // equal operands exercise the == edges
        const op = mkInsn(row.code, 1, x ? 2 : 0, 2, x ? 0 : imm);
        const got = run([mkLdImm64(1, 0, a), mkLdImm64(2, 0, bb), op, mkInsn(0xb7, 0, 0, 0, 0), mkInsn(0x95, 0, 0, 0, 0),
          mkInsn(0xb7, 0, 0, 0, 1), mkInsn(0x95, 0, 0, 0, 0)]);
        expect(got).toBe(refJmp(op, a, bb) ? 1n : 0n);
      }), { numRuns: 150 });
    });
  }
});

describe('loads extend as the reference says', () => {
  for (const [code, size, signed] of [[0x71, 1, false], [0x69, 2, false], [0x61, 4, false], [0x79, 8, false],
    [0x91, 1, true], [0x89, 2, true], [0x81, 4, true]] as const) {
    it(`ldx 0x${code.toString(16)} (${size} bytes${signed ? ', signed' : ''})`, () => {
      fc.assert(fc.property(u64, (v) => {
        const got = run([mkLdImm64(1, 0, v), mkInsn(0x7b, 10, 1, -8, 0), mkInsn(code, 0, 10, -8, 0), mkInsn(0x95, 0, 0, 0, 0)]);
        expect(got).toBe(refExtendLoad(v, size, signed));
      }), { numRuns: 100 });
    });
  }
});

describe('hand-computed corner cases', () => {
  const prog = (a: bigint, op: Insn, b = 0n): bigint =>
    run([mkLdImm64(1, 0, a), mkLdImm64(2, 0, b), op, mkInsn(0xbf, 0, 1, 0, 0), mkInsn(0x95, 0, 0, 0, 0)]);
  it('division by zero gives 0, modulo by zero leaves dst (32-bit: zero-extended)', () => {
    expect(prog(7n, mkInsn(0x3f, 1, 2, 0, 0), 0n)).toBe(0n);
    expect(prog(7n, mkInsn(0x9f, 1, 2, 0, 0), 0n)).toBe(7n);
    expect(prog(0xffffffff00000007n, mkInsn(0x9c, 1, 2, 0, 0), 0n)).toBe(7n);
  });
  it('sdiv INT64_MIN / -1 = INT64_MIN, smod = 0', () => {
    expect(prog(0x8000000000000000n, mkInsn(0x3f, 1, 2, 1, 0), 0xffffffffffffffffn)).toBe(0x8000000000000000n);
    expect(prog(0x8000000000000000n, mkInsn(0x9f, 1, 2, 1, 0), 0xffffffffffffffffn)).toBe(0n);
    expect(prog(0x80000000n, mkInsn(0x3c, 1, 2, 1, 0), 0xffffffffn)).toBe(0x80000000n);
  });
  it('shifts are masked, movsx sign-extends, bswap swaps', () => {
    expect(prog(1n, mkInsn(0x67, 1, 0, 0, 65))).toBe(2n);
    expect(prog(0x80n, mkInsn(0xbf, 1, 1, 8, 0))).toBe(0xffffffffffffff80n);
    expect(prog(0x1122334455667788n, mkInsn(0xd7, 1, 0, 0, 64))).toBe(0x8877665544332211n);
    expect(prog(0x1122334455667788n, mkInsn(0xdc, 1, 0, 0, 16))).toBe(0x8877n);
  });
});
