import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseVerifierLog } from './parse.ts';
import { formatStateSummary, summarizeStates } from './summary.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('summarizeStates', () => {
  it('counts visits and states per pc on a level-2 log (fixture branch-map.L2.log)', () => {
    const log = readFileSync(path.join(FIXTURES, 'branch-map.L2.log'), 'latin1');
    const rows = summarizeStates(parseVerifierLog(log).events);
    // Counted by hand from the fixture: pc 0 has `0: R1=ctx() R10=fp0` and insn 0's after-state;
    // pc 11 has `from 8 to 11:`, `11: R0=...` and insn 11's after-state; insn 10 (exit) has none.
    expect(rows.map((r) => r.pc)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(rows.find((r) => r.pc === 0)).toMatchObject({ visits: 1, states: 2, last: { when: 'after' } });
    expect(rows.find((r) => r.pc === 11)).toMatchObject({ visits: 1, states: 3, last: { when: 'after' } });
    expect(rows.find((r) => r.pc === 10)).toEqual({ pc: 10, visits: 1, states: 0 });
    expect(rows.find((r) => r.pc === 13)).toMatchObject({ visits: 1, states: 2, last: { when: 'before' } });
  });

  it('formats one line per pc with the last state in kernel notation', () => {
    const text = formatStateSummary(summarizeStates(parseVerifierLog('0: R1=ctx() R10=fp0\n0: (b7) r0 = 1                        ; R0=1\n1: (95) exit\n').events));
    expect(text).toBe([
      '   pc visits states  last state',
      '    0      1      2  after: R0=1',
      '    1      1      0  -',
      '',
    ].join('\n'));
  });
});
