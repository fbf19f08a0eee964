/**
 * Loading from bytes equals loading from decoded instructions: same code words, or the same
 * refusal (pc and message), on random bytes and on generated programs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decode, encode } from '../isa/codec.ts';
import { isLoadError, loadVmBytes, loadVmProgram } from './index.ts';
import { randomAluProgram } from './random-programs.ts';

function same(bytes: Uint8Array): void {
  let insns;
  try { insns = decode(bytes); } catch { expect(isLoadError(loadVmBytes(bytes, 'xdp'))).toBe(true); return; }
  const a = loadVmProgram({ progType: 'xdp', insns, maps: [] });
  const b = loadVmBytes(bytes, 'xdp');
  if (isLoadError(a) || isLoadError(b)) {
    expect(b).toEqual(a);
    return;
  }
  expect([...b.code.c]).toEqual([...a.code.c]);
  expect(b.program.insns).toEqual(a.program.insns);
}

describe('loadVmBytes equals loadVmProgram(decode(bytes))', () => {
  it('on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (raw) => same(raw)), { numRuns: 3000 });
  });
  it('on generated programs', () => {
    fc.assert(fc.property(fc.integer(), (seed) => same(encode(randomAluProgram(seed, 30)))), { numRuns: 300 });
  });
});
