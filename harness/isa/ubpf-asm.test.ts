/**
 * The bpf_conformance assembler: every `asm` of bpf-conformance.jsonl assembles to exactly its
 * `insns_hex` (the upstream assembler's bytes); hand-encoded instructions; located errors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { conformancePath } from '../testing/conformance.ts';
import { encodeHex } from './codec.ts';
import { assembleUbpf } from './ubpf-asm.ts';
import { UserError } from '../errors.ts';

const file = conformancePath('bpf-conformance.jsonl');

describe.skipIf(!file)('ubpf-asm against bpf-conformance.jsonl', () => {
  it('assembles all 313 programs to exactly insns_hex', () => {
    const recs = readFileSync(file!, 'utf8').split('\n').filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { name: string; asm: string | null; insns_hex: string }).filter((r) => r.asm !== null);
    const bad = recs.filter((r) => encodeHex(assembleUbpf(r.asm!, r.name)) !== r.insns_hex);
    console.log(`ubpf-asm: ${recs.length - bad.length}/${recs.length} programs assemble to insns_hex`);
    expect(recs.length).toBe(313);
    expect(bad.map((r) => r.name)).toEqual([]);
  });
});

describe('ubpf-asm encodings (hand-encoded)', () => {
  const hex = (s: string): string => encodeHex(assembleUbpf(s));
  it('ALU, memory, jumps, labels, calls, atomics', () => {
    expect(hex('mov %r0, 1')).toBe('b700000001000000');
    expect(hex('add32 %r0, %r1')).toBe('0c10000000000000');
    expect(hex('ldxw %r0, [%r1+4]')).toBe('6110040000000000');
    expect(hex('stxdw [%r10-8], %r0')).toBe('7b0af8ff00000000');
    expect(hex('sdiv %r1, -3')).toBe('37010100fdffffff');
    expect(hex('movsx864 %r6, %r5')).toBe('bf56080000000000');
    expect(hex('be16 %r0')).toBe('dc00000010000000');
    expect(hex('lock fetch add32 [%r10-4], %r1')).toBe('c31afcff01000000');
    expect(hex('lock cmpxchg [%r10-8], %r1')).toBe('db1af8fff1000000');
    expect(hex('jeq %r1, 2, l\nmov %r0, 0\nl:\nexit')).toBe('1501010002000000b7000000000000009500000000000000');
    expect(hex('call %r2')).toBe('8d02000000000000');
    expect(hex('lddw %r0, 0x1122334455667788')).toBe('18000000887766550000000044332211');
  });
  it('reports file:line:col for bad input', () => {
    expect(() => assembleUbpf('mov %r0, 1\n  frob %r1', 'x.data')).toThrow(/^x\.data:2:3: unknown mnemonic 'frob'$/);
    expect(() => assembleUbpf('ja nowhere', 'y')).toThrow(/y:1:1: undefined label 'nowhere'/);
    expect(() => assembleUbpf('mov %r11, 1', 'z')).toThrow(/z:1:1: expected a register/);
  });
  it('random text never throws anything but a located UserError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (s) => {
      try { assembleUbpf(s, 'f'); } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        expect((e as Error).message).toMatch(/^f:\d+:\d+: /);
      }
    }), { numRuns: 2000 });
  });
});
