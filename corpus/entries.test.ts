/**
 * The committed corpus (corpus/entries/) through one data-driven test: every entry validates,
 * the seeds cover every generator family, and -- where the kernel target is usable and an entry
 * has expectations for this kernel release -- replaying it gives the recorded kernel verdict;
 * replaying it in our VM gives the recorded r0.
 */
import os from 'node:os';
import { describe, it, expect } from 'vitest';
import { loadCorpus } from './store.ts';
import { ENTRIES_DIR } from './seeds.ts';
import { FAMILIES } from '../generators/index.ts';
import { describeKernel } from '../harness/kernel/testing.ts';
import { createKernelTarget } from '../harness/kernel/target.ts';
import { isLoadError, loadVmProgram, runVm } from '../harness/vm/index.ts';
import { standardInput } from '../harness/campaign/pipeline.ts';
import { hex64 } from '../oracles/observation.ts';

const corpus = loadCorpus(ENTRIES_DIR);

describe('corpus/entries', () => {
  it('every entry loads without error', () => {
    expect(corpus.errors).toEqual([]);
    expect(corpus.entries.length).toBeGreaterThan(0);
  });

  it('seeds cover every generator family, with accepted and rejected programs', () => {
    const seeds = corpus.entries.filter((e) => e.entry.status === 'seed');
    for (const f of [...FAMILIES.map((x) => x.name), 'mutate']) {
      const mine = seeds.filter((e) => e.entry.provenance.generator === f);
      const verdicts = new Set(mine.flatMap((e) => Object.values(e.entry.expectations.kernel ?? {}).map((k) => k!.verdict)));
      expect([f, [...verdicts].sort()]).toEqual([f, ['accept', 'reject']]);
    }
  });

  it('replays in the VM: recorded r0 values come out again', () => {
    let n = 0;
    for (const { entry, program } of corpus.entries) {
      const r0 = entry.expectations.vm?.r0;
      if (r0 === undefined) continue;
      const vp = loadVmProgram(program);
      expect(isLoadError(vp)).toBe(false);
      if (isLoadError(vp)) continue;
      const run = runVm(vp, standardInput(program));
      expect(run.kind === 'ok' ? hex64(run.r0) : run.kind, entry.title).toBe(r0);
      n++;
    }
    console.log(`corpus VM replay: ${n} entries with a recorded r0, all equal`);
    expect(n).toBeGreaterThan(0);
  });
});

describeKernel('corpus/entries against the live kernel', () => {
  it('replays the recorded kernel verdicts for this release', () => {
    const release = os.release();
    const kernel = createKernelTarget();
    let replayed = 0;
    let sameError = 0;
    const mismatches: string[] = [];
    for (const { file, entry, program } of corpus.entries) {
      const want = entry.expectations.kernel?.[release];
      if (!want) continue;
      const got = kernel.verify(program);
      replayed++;
      if (got.verdict !== want.verdict) mismatches.push(`${file}: ${want.verdict} -> ${got.verdict} (${got.error ?? ''})`);
      if ((got.error ?? '') === (want.error ?? '')) sameError++;
    }
    console.log(`corpus kernel replay on ${release}: ${replayed - mismatches.length}/${replayed} verdicts equal, ${sameError}/${replayed} error texts equal`);
    expect(mismatches).toEqual([]);
  });
});
