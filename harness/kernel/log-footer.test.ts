import { describe, expect, it } from 'vitest';
import { reasonFromLog } from './log-footer.ts';

describe('reasonFromLog', () => {
  it('takes the last line before the statistics', () => {
    const log = '0: R1=ctx() R10=fp0\n0: (95) exit\nR0 !read_ok\nprocessed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\nverification time 5 usec\nstack depth 0\n';
    expect(reasonFromLog(log)).toBe('R0 !read_ok');
  });
  it('skips the state dumps 6.18 prints after an infinite loop', () => {
    // Log level 4 of `r0 = 0; if w1 < w0 goto pc-1; exit`, as the live kernel printed it.
    const log = 'infinite loop detected at insn 1\ncur state: R0=0 R1=ctx() R10=fp0\nold state: R0=0 R1=ctx() R10=fp0\nverification time 21 usec\nstack depth 0\nprocessed 3 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0\n';
    expect(reasonFromLog(log)).toBe('infinite loop detected at insn 1');
  });
  it('finds the error glued to an instruction line at log level 1', () => {
    const log = '0: R1=ctx() R10=fp0\n0: (b7) r0 = 0\n3: (15) if r0 == 0x0 goto pc-3 infinite loop detected at insn 1\ncur state: R0=0 R1=ctx() R10=fp0\nold state: R0=0 R1=ctx() R10=fp0\nprocessed 3 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0\n';
    expect(reasonFromLog(log)).toBe('infinite loop detected at insn 1');
  });
});
