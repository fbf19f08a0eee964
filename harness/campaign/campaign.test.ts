import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCampaign } from './campaign.ts';
import { fakeKernel, fakeModel, hasJset } from './testing/fake-targets.ts';
import { loadCorpus } from '../../corpus/store.ts';

const fixedDate = () => '2026-01-01T00:00:00.000Z';

function campaign(dir: string, seed: number, count: number) {
  return runCampaign({
    seed, count, targets: { model: fakeModel, kernel: fakeKernel },
    targetUse: { model: { used: true }, kernel: { used: true, release: 'fake-1.0' } },
    outDir: path.join(dir, 'out'), corpusDir: path.join(dir, 'corpus'), date: fixedDate,
  });
}

function snapshot(dir: string): Record<string, string> {
  const c = path.join(dir, 'corpus');
  return Object.fromEntries(readdirSync(c).sort().map((f) => [f, readFileSync(path.join(c, f), 'utf8')]));
}

describe('campaign (fake verifiers)', () => {
  it('is deterministic: same seed and count, byte-identical findings', async () => {
    const a = mkdtempSync(path.join(tmpdir(), 'vf-det-a-'));
    const b = mkdtempSync(path.join(tmpdir(), 'vf-det-b-'));
    const sa = await campaign(a, 11, 150);
    const sb = await campaign(b, 11, 150);
    expect(sa.programs).toBe(150);
    expect(sa.findings.length).toBeGreaterThan(0);
    expect(snapshot(a)).toEqual(snapshot(b));
    expect(sa.findings.map((f) => [f.bucket, f.hits])).toEqual(sb.findings.map((f) => [f.bucket, f.hits]));
  });

  it('minimizes a finding to the instruction that causes it and stores it once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vf-min-'));
    const s = await campaign(dir, 5, 200);
    const row = s.findings.find((f) => f.oracle === 'verdict-differential')!;
    expect(row).toBeDefined();
    expect(row.hits).toBeGreaterThan(1); // found repeatedly ...
    const { entries, errors } = loadCorpus(path.join(dir, 'corpus'));
    expect(errors).toEqual([]);
    expect(entries).toHaveLength(1); // ... stored once
    const p = entries[0]!.program;
    expect(hasJset(p)).toBe(true);
    expect(p.insns.length).toBeLessThanOrEqual(2); // the jset (+ at most an exit)
    expect(entries[0]!.entry.provenance.original).toBeDefined();
  });

  it('counts a bucket already in the corpus as known, not new', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vf-known-'));
    const first = await campaign(dir, 5, 100);
    expect(first.findings.every((f) => f.isNew)).toBe(true);
    const second = await campaign(dir, 6, 100);
    expect(second.findings.length).toBeGreaterThan(0);
    expect(second.findings.every((f) => !f.isNew)).toBe(true);
    const { entries } = loadCorpus(path.join(dir, 'corpus'));
    expect(entries).toHaveLength(1);
    expect(entries[0]!.entry.occurrences.count).toBe(2);
  });

  it('goes on past a program whose pipeline throws, and counts it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vf-throw-'));
    const throwing = { ...fakeModel, verify: (p: Parameters<typeof fakeModel.verify>[0], o?: Parameters<typeof fakeModel.verify>[1]) => {
      if (hasJset(p)) throw new RangeError('Invalid string length');
      return fakeModel.verify(p, o);
    } };
    const failed: number[] = [];
    const s = await runCampaign({
      seed: 5, count: 200, targets: { model: throwing, kernel: fakeKernel },
      targetUse: { model: { used: true }, kernel: { used: true } }, outDir: path.join(dir, 'out'), corpusDir: path.join(dir, 'corpus'),
      onWorkerCrash: (i, why) => { failed.push(i!); expect(why).toBe('RangeError: Invalid string length'); },
    });
    expect(failed.length).toBeGreaterThan(0);
    expect(s.workerCrashes).toBe(failed.length);
    expect(s.programs).toBe(200 - failed.length);
    expect(readFileSync(path.join(dir, 'out', 'summary.md'), 'utf8')).toContain(`Pipeline crashes (the iteration skipped, a worker restarted): ${failed.length}.`);
  });

  it('stops on the signal and still writes the summary', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vf-sig-'));
    const ac = new AbortController();
    ac.abort();
    const s = await runCampaign({
      seed: 1, count: 1000, signal: ac.signal, targets: { model: fakeModel, kernel: fakeKernel },
      targetUse: { model: { used: true }, kernel: { used: true } }, outDir: path.join(dir, 'out'), corpusDir: path.join(dir, 'corpus'),
    });
    expect(s.stoppedBy).toBe('signal');
    expect(s.programs).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'out', 'summary.json'), 'utf8')).stoppedBy).toBe('signal');
    expect(readFileSync(path.join(dir, 'out', 'summary.md'), 'utf8')).toContain('stopped by signal');
  });
});
