/**
 * The numeric load path (load-fast.ts) equals the Insn-based path (load.ts `loadCodeSlow`): on
 * random programs mixing valid and invalid instructions, forward and backward jumps, local and
 * helper calls, callbacks, every ld_imm64 form with and without bound maps, whenever the numeric
 * path accepts, its code words are the Insn path's; whenever the Insn path
 * refuses, loadCode gives its exact refusal. The bytes and Insn entries of the numeric path agree.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encode } from '../isa/codec.ts';
import { type Insn, mkInsn, mkLdImm64 } from '../isa/insn.ts';
import { type FieldRule, OPCODES } from '../isa/opcodes.ts';
import { type Code, loadCode, loadCodeSlow, type LoadOptions } from './load.ts';
import { type FastCode, fastLoadBytes, fastLoadInsns } from './load-fast.ts';
import { isLoadError } from './fault.ts';
import { randomAluProgram } from './random-programs.ts';

const CODES = OPCODES.map((r) => r.code);
const MAPS = [{ handleRid: 1, directValueRid: 2 }, { handleRid: 3, directValueRid: 0 }];
const OPTIONS: LoadOptions[] = [
  { maps: [], entryInit: 0x402, knownHelper: (id) => id < 100 },
  { maps: MAPS, fdMaps: new Map([[7, MAPS[0]!]]), entryInit: 0x402, knownHelper: (id) => id !== 5 },
  { maps: MAPS, entryInit: 0x406 },
  { maps: [], dynamicInit: true, entryInit: 0x402 },
];

const small = fc.integer({ min: -4, max: 6 });
const IMMS = [0, 1, 5, 12, 16, 32, 64, 0xf1, 0x100, 1 << 16, -8, 0x7fffffff];
/** A legal value of a field rule (the pick `p` chooses which), or an illegal one when `bad` is 0. */
function legal(rule: FieldRule, p: number, bad: number, kindOfField: 'reg' | 'off' | 'imm'): number {
  if (bad === 0) return kindOfField === 'reg' ? 11 + (p % 4) : IMMS[p % IMMS.length]! + 1;
  switch (rule.kind) {
    case 'zero': return 0;
    case 'reg': return p % 11;
    case 'oneOf': return rule.values[p % rule.values.length]!;
    case 'any': return kindOfField === 'off' ? (p % 11) - 4 : kindOfField === 'imm' ? (p % 3 === 0 ? (p % 11) - 4 : IMMS[p % IMMS.length]!) : p % 11;
  }
}
const insnArb: fc.Arbitrary<Insn> = fc.oneof(
  { weight: 30, arbitrary: fc.tuple(fc.constantFrom(...OPCODES), fc.nat(), fc.nat(), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 999 }))
    .map(([row, a, b, c, d, bad]) => {
      const dst = legal(row.dst, a, bad % 97, 'reg'), src = legal(row.src, b, bad % 89, 'reg');
      const off = legal(row.off, c, bad % 83, 'off'), imm = legal(row.imm, d, bad % 79, 'imm');
      return row.code === 0x18 ? { ...mkLdImm64(dst, src, BigInt(imm)), imm } : mkInsn(row.code, dst, src, off, imm);
    }) },
  { weight: 1, arbitrary: fc.record({ dst: fc.integer({ min: 0, max: 10 }), src: fc.integer({ min: 0, max: 7 }), imm: fc.integer({ min: -1, max: 8 }),
    hiImm: fc.integer({ min: -2, max: 40 }), hiCode: fc.constantFrom(0, 0, 0, 1) })
    .map(({ dst, src, imm, hiImm, hiCode }) => ({ code: 0x18, dst, src, off: 0, imm, hi: { code: hiCode, dst: 0, src: 0, off: 0, imm: hiImm } })) },
  { weight: 1, arbitrary: fc.record({ code: fc.integer({ min: 0, max: 255 }), dst: fc.integer({ min: 0, max: 15 }), src: fc.integer({ min: 0, max: 15 }), off: small, imm: small })
    .map(({ code, dst, src, off, imm }) => mkInsn(code === 0x18 ? 0x95 : code, dst, src, off, imm)) },
  { weight: 4, arbitrary: fc.constantFrom(mkInsn(0x95, 0, 0, 0, 0), mkInsn(0xb7, 0, 0, 0, 1), mkInsn(0x85, 0, 1, 0, 1), mkInsn(0x85, 0, 0, 0, 12)) },
);
const programArb = fc.array(insnArb, { minLength: 1, maxLength: 10 });

function words(x: Code | FastCode | ReturnType<typeof loadCodeSlow> | null): unknown {
  return x === null || isLoadError(x) ? x : { n: x.n, c: [...x.c] };
}

describe('numeric load path equals the Insn path', () => {
  it('random programs under every option set', () => {
    let accepted = 0, refused = 0, fast = 0;
    fc.assert(fc.property(programArb, fc.integer({ min: 0, max: OPTIONS.length - 1 }), (insns, o) => {
      const opts = OPTIONS[o]!;
      const slowCode = loadCodeSlow(insns, 'xdp', 0, opts);
      const slow = words(slowCode);
      const code = loadCode(insns, 'xdp', 0, opts);
      expect(words(code)).toEqual(slow);
      if (!isLoadError(code) && !isLoadError(slowCode)) expect(code.staticInit).toBe(slowCode.staticInit);
      const f = fastLoadInsns(insns, opts);
      if (f !== null) {
        fast++;
        expect(words(f)).toEqual(slow);
        expect(words(fastLoadBytes(encode(insns), opts))).toEqual(slow);
      }
      if (isLoadError(slow)) refused++; else accepted++;
    }), { numRuns: 6000 });
    console.log(`load-fast: ${accepted} accepted (${fast} by the numeric path), ${refused} refused`);
    expect(fast).toBeGreaterThan(800);
    expect(refused).toBeGreaterThan(1000);
  });
  it('generated ALU programs take the numeric path, equal to the Insn path, and are statically proven', () => {
    fc.assert(fc.property(fc.integer(), (seed) => {
      const insns = randomAluProgram(seed, 40);
      const f = fastLoadInsns(insns, OPTIONS[0]!);
      expect(f).not.toBeNull();
      expect(words(f)).toEqual(words(loadCodeSlow(insns, 'xdp', 0, OPTIONS[0]!)));
      const code = loadCode(insns, 'xdp', 0, OPTIONS[0]!);
      expect(!isLoadError(code) && code.staticInit).toBe(true);
    }), { numRuns: 200 });
  });
  it('back edges, local calls and callbacks take the numeric path with the same words', () => {
    const loop = [mkInsn(0xb7, 0, 0, 0, 3), mkInsn(0x17, 0, 0, 0, 1), mkInsn(0x55, 0, 0, -2, 0), mkInsn(0x95, 0, 0, 0, 0)];
    const call = [mkInsn(0x85, 0, 1, 0, 1), mkInsn(0x95, 0, 0, 0, 0), mkInsn(0xb7, 0, 0, 0, 2), mkInsn(0x95, 0, 0, 0, 0)];
    const cb = [mkLdImm64(2, 4, 1n), mkInsn(0xb7, 0, 0, 0, 0), mkInsn(0x95, 0, 0, 0, 0), mkInsn(0xbf, 0, 1, 0, 0), mkInsn(0x95, 0, 0, 0, 0)];
    for (const insns of [loop, call, cb]) {
      const f = fastLoadInsns(insns, OPTIONS[0]!);
      expect(f).not.toBeNull();
      expect(words(f)).toEqual(words(loadCodeSlow(insns, 'xdp', 0, OPTIONS[0]!)));
    }
  });
  it('refusals come from the Insn path, word for word', () => {
    const bad = [mkInsn(0xb7, 11, 0, 0, 0), mkInsn(0x95, 0, 0, 0, 0)];
    expect(fastLoadInsns(bad, OPTIONS[0]!)).toBeNull();
    expect(loadCode(bad, 'xdp', 0, OPTIONS[0]!)).toEqual({ kind: 'load_error', pc: 0, message: 'opcode 0xb7 (mov64): dst=11 must be a register r0..r10' });
    const jump = [mkInsn(0x05, 0, 0, 5, 0), mkInsn(0x95, 0, 0, 0, 0)];
    expect(loadCode(jump, 'xdp', 0, OPTIONS[0]!)).toEqual({ kind: 'load_error', pc: 0, message: 'jump out of range from insn 0 to 6' });
  });
});
