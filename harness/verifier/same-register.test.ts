/**
 * Conditional jumps with one register on both sides (`if w0 <= w0`): 6.18 predicts them like
 * two registers and refines both roles in place, so the two updates accumulate on the one
 * register. A campaign (seed 2026, mutate) found the model refining them as two copies: after
 * `if w0 <= w0` it kept u32 [0, 0xfffffffe] where 6.18 has [1, 0xfffffffe], explored a branch
 * 6.18 knows is dead and stopped at an invariant violation instead of the kernel's R3 !read_ok.
 *
 * Every comparison, 64 and 32 bit, on three value shapes, against the live kernel: the same
 * verdict, reason and processed-instruction count (paths that read an unset r3 show which
 * branches each verifier explores).
 */
import { expect, it } from 'vitest';
import { assembleInsns } from '../isa/asm.ts';
import type { Program } from '../isa/program.ts';
import { PROG_FLAGS } from '../isa/program.ts';
import { loadProgram } from '../kernel/load.ts';
import { describeKernel } from '../kernel/testing.ts';
import { verify } from './index.ts';
import path from 'node:path';
import { loadCorpus } from '../../corpus/store.ts';
import { REPO_ROOT } from '../testing/conformance.ts';

const OPS = ['==', '!=', '&', '>', '>=', '<', '<=', 's>', 's>=', 's<', 's<='];
const SHAPES = ['', 'r0 &= 0xff', 'w8 = 0x80000000\nr0 &= r8', 'r0 |= 1'];

describeKernel('same-register conditional jumps: model against the live kernel', () => {
  it('agree on verdict, reason and processed instructions for every op, width and shape', () => {
    const wrong: string[] = [];
    let n = 0;
    for (const op of OPS) {
      for (const reg of ['r0', 'w0']) {
        for (const shape of SHAPES) {
          // the taken side reads r3 at once; the fall-through narrows r0 and then reads r3 only
          // where a later compare the fall-through's bounds decide says so
          const text = ['call bpf_get_prandom_u32', shape, `if ${reg} ${op} ${reg} goto +3`,
            'r2 = r0', 'if w2 > 0x7ffffff0 goto +1', 'exit', 'r0 = r3', 'exit'].filter(Boolean).join('\n');
          const program: Program = { progType: 'socket_filter', maps: [], insns: assembleInsns(text), flags: PROG_FLAGS.BPF_F_TEST_REG_INVARIANTS };
          const m = verify(program);
          const k = loadProgram(program, { bare: true });
          n++;
          const mine = `${m.verdict} ${m.error ?? ''} ${m.insnsProcessed}`;
          const theirs = `${k.verdict} ${k.error ?? ''} ${k.insnsProcessed}`;
          if (mine !== theirs) wrong.push(`${reg} ${op} ${reg} after '${shape}': model ${mine}, kernel ${theirs}`);
        }
      }
    }
    console.log(`same-register jumps: ${n - wrong.length}/${n} agree\n${wrong.join('\n')}`);
    expect(n).toBe(OPS.length * 2 * SHAPES.length);
    expect(wrong).toEqual([]);
  });

  it('the campaign program: both reject with R3 !read_ok after 13 instructions', () => {
    const text = ['r6 = r1', 'call bpf_get_prandom_u32', 'if w0 <= w0 goto +7', 'r2 = r0', 'r0 = *(u32 *)(r6 +0)', 'r3 = r2',
      'r4 = 0 ll', 'if r3 < 0x1 goto +2', 'if w4 >= w3 goto +0', 'if r0 < r3 goto +0', 'exit'].join('\n');
    const program: Program = { progType: 'sched_cls', maps: [], insns: assembleInsns(text), flags: PROG_FLAGS.BPF_F_TEST_REG_INVARIANTS };
    const m = verify(program);
    expect([m.verdict, m.error, m.insnsProcessed]).toEqual(['reject', 'R3 !read_ok', 13]);
    const k = loadProgram(program, { bare: true });
    expect([k.verdict, k.error, k.insnsProcessed]).toEqual(['reject', 'R3 !read_ok', 13]);
  });
});

describeKernel("6.18's own branch invariant violations: the model words them as the kernel does", () => {
  it('every kernel-bug entry from reg_set_min_max: the same reason, byte for byte, and the same count', () => {
    const entries = loadCorpus(path.join(REPO_ROOT, 'corpus/entries')).entries
      .filter((e) => e.entry.status === 'kernel-bug' && /REG INVARIANTS VIOLATION \((true|false)_reg[12]\)/.test(e.entry.title ?? ""));
    expect(entries.length).toBeGreaterThanOrEqual(4);
    for (const { entry, program } of entries) {
      const flagged: Program = { ...program, flags: (program.flags ?? 0) | PROG_FLAGS.BPF_F_TEST_REG_INVARIANTS };
      const k = loadProgram(flagged, { bare: true });
      const m = verify(flagged);
      expect(k.error, entry.title ?? "").toMatch(/^verifier bug: REG INVARIANTS VIOLATION/);
      expect([m.verdict, m.error, m.insnsProcessed], entry.title ?? "").toEqual([k.verdict, k.error, k.insnsProcessed]);
    }
  });
});
