/**
 * Data-driven: replays ../shared/conformance/kernel-verifier.jsonl (the kernel's test_verifier
 * cases) through the kernel target and compares with the verdicts this machine's kernel gave
 * when the file was made (live_6_18), and the test_run retvals the records expect.
 */
import { expect, it } from 'vitest';
import { describeKernel } from './testing.ts';
import { conformancePath, readJsonl } from '../testing/conformance.ts';
import { runSelftestSuite, summarize, errstrFound } from './conformance.ts';
import type { SelftestRecord } from './selftest/record.ts';
import { selftestRecordLogs } from './log/selftest-logs.ts';
import { reasonFromLog } from './log-footer.ts';

it('errstrFound matches tab-separated parts in order', () => {
  expect(errstrFound('R1 type=\tfp expected', 'x R1 type=scalar fp expected=')).toBe(true);
  expect(errstrFound('fp expected\tR1 type=', 'R1 type=scalar fp expected')).toBe(false);
});

describeKernel('kernel-verifier.jsonl through the kernel target', () => {
  const file = conformancePath('kernel-verifier.jsonl');
  it.skipIf(!file)('reproduces live_6_18 verdicts (>= 99%) and every expected retval', () => {
    const records = readJsonl<SelftestRecord>(file!);
    const s = summarize(runSelftestSuite(records, file!));
    console.log(
      `kernel-verifier.jsonl: ${s.total} records, ${s.evaluated} evaluated; verdict = live_6_18: `
      + `${s.agreeLive}/${s.evaluated}; verdict = expect: ${s.agreeExpect}/${s.evaluated}; errstr found: `
      + `${s.errstrFound}/${s.errstrChecked}; test_run = live: ${s.runsMatchLive}/${s.runs} `
      + `(+${s.pointerRuns} pointer-valued runs, errno only); retval = expected: ${s.retvalsMatchExpected}/${s.retvalsExpected}`,
    );
    for (const [reason, n] of Object.entries(s.skipped)) console.log(`  not evaluated: ${n} x ${reason}`);
    for (const d of s.disagreements.slice(0, 10)) console.log(`  disagrees with live: ${d.name}: ${d.verdict} ${d.error ?? ''}`);
    expect(s.evaluated).toBeGreaterThan(1300);
    expect(s.agreeLive / s.evaluated).toBeGreaterThanOrEqual(0.99);
    expect(s.retvalsMatchExpected).toBe(s.retvalsExpected);
    expect(s.runsMatchLive).toBe(s.runs);
  }, 600_000);

  // The target's default load is one BPF_LOG_STATS (4) load; it must give the same one-line
  // reason as the level-1 load the kernel's own tests read.
  it.skipIf(!file)('the level-4 reason equals the level-1 reason on every live rejection', () => {
    const rejects = readJsonl<SelftestRecord>(file!).filter((r) => r.live_6_18.verdict === 'reject' && !r.live_6_18.environment_blocked);
    let same = 0;
    const differ: string[] = [];
    for (const r of rejects) {
      const l = selftestRecordLogs(r, file!, [4, 1]);
      const [a, b] = [reasonFromLog(l.logs[0]?.log ?? ''), reasonFromLog(l.logs[1]?.log ?? '')];
      if (a !== undefined && a === b) same++;
      else differ.push(`${r.name}: level 4 '${a}' vs level 1 '${b}'`);
    }
    console.log(`reason at log level 4 = level 1: ${same}/${rejects.length}`);
    for (const d of differ.slice(0, 5)) console.log(`  ${d}`);
    expect(rejects.length).toBeGreaterThan(600);
    expect(differ).toEqual([]);
  }, 600_000);
});
