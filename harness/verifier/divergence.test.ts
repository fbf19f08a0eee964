/**
 * Where the model is knowingly simpler than the kernel (DIVERGENCE comments in the code), and
 * what it costs. Expected counts are hand-counted from the program text.
 */
import { describe, it, expect } from 'vitest';
import { decodeHex } from '../isa/codec.ts';
import { loadProgram } from '../kernel/load.ts';
import { kernelOrSkip } from '../kernel/capability.ts';
import { verify } from './index.ts';

// r7 = r1; call prandom; r6 = r0; if r6 > 5 goto +2; *(u64*)(r10-8) = r7; goto +1;
// *(u64*)(r10-8) = r6; r1..r5 = 0; goto +0; goto +0; r0 = 0; r0 += 1; r0 += 2; r0 += 3; exit
const DEAD_SLOT = decodeHex(`bf17000000000000 8500000007000000 bf06000000000000 2506020005000000 7b7af8ff00000000
  0500010000000000 7b6af8ff00000000 b701000000000000 b702000000000000 b703000000000000 b704000000000000
  b705000000000000 0500000000000000 0500000000000000 b700000000000000 0700000001000000 0700000002000000
  0700000003000000 9500000000000000`);

describe('DIVERGENCE: stack slots are all live for pruning (prune.ts)', () => {
  const program = { progType: 'socket_filter' as const, insns: DEAD_SLOT, maps: [] };

  it('the model explores the second path to the end: 18 + 13 = 31 instructions', () => {
    // path 1: insns 0-5, 7-18 (18); path 2: 6-18 (13). fp-8 holds ctx on one path and a scalar on
    // the other; it is never read again, but the model compares it, so the checkpoint at 13 misses.
    const r = verify(program);
    expect(r.verdict).toBe('accept');
    expect(r.insnsProcessed).toBe(31);
  });

  it.skipIf(!kernelOrSkip().available)('the kernel (static stack liveness) prunes the second path at insn 13: 18 + 8 = 26', () => {
    const k = loadProgram(program, { logLevel: 1 });
    expect(k.verdict).toBe('accept');
    expect(k.insnsProcessed).toBe(26);
  });
});
