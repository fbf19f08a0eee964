/**
 * kernel-verifier.jsonl on the VM: every record the live 6.18 kernel accepted and ran with a
 * retval, and whose program type, map kinds and helpers the VM supports, returns the same retval
 * (low 32 bits of r0) in the VM for every run. Prints the supported and matching counts.
 */
import { describe, expect, it } from 'vitest';
import { conformancePath, readJsonl } from '../testing/conformance.ts';
import { comparableRuns, runSelftestVm, type SelftestRecord, setupSelftest } from './selftests.ts';

const file = conformancePath('kernel-verifier.jsonl');

describe.skipIf(!file)('kernel-verifier.jsonl retvals on the VM', () => {
  it('matches the live kernel on 100% of supported records, supporting at least 80%', () => {
    const recs = readJsonl<SelftestRecord>(file!).filter((r) => comparableRuns(r).length > 0);
    let supported = 0;
    let matching = 0;
    let runs = 0;
    const unsupported = new Map<string, number>();
    const mismatches: string[] = [];
    for (const rec of recs) {
      const s = setupSelftest(rec);
      if ('unsupported' in s) { unsupported.set(s.unsupported, (unsupported.get(s.unsupported) ?? 0) + 1); continue; }
      supported++;
      const outs = runSelftestVm(rec, s.vp);
      runs += outs.length;
      const bad = outs.find((o) => !o.match);
      if (!bad) { matching++; continue; }
      const why = bad.result.kind === 'fault' ? `${bad.result.fault.kind}: ${bad.result.fault.message}` : `retval ${bad.got}`;
      mismatches.push(`${rec.name}: expected ${bad.expected}, ${why}`);
    }
    console.log(`kernel-verifier.jsonl: ${recs.length} records accepted and run by Linux 6.18 with a retval; `
      + `${supported} supported by the VM (${(100 * supported / recs.length).toFixed(1)}%), ${matching} match on all runs (${runs} runs)`);
    console.log(`  unsupported: ${[...unsupported].map(([k, v]) => `${k} x${v}`).join(', ')}`);
    for (const m of mismatches) console.log(`  MISMATCH ${m}`);
    expect(mismatches).toEqual([]);
    expect(matching).toBe(supported);
    expect(supported / recs.length).toBeGreaterThanOrEqual(0.8);
  });
});
