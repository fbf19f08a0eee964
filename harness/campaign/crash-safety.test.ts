import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCorpus } from '../../corpus/store.ts';
import { runCampaign } from './campaign.ts';
import { fakeKernel, fakeManyBucketsModel } from './testing/fake-targets.ts';

const CHILD = fileURLToPath(new URL('./testing/crash-child.ts', import.meta.url));
const TSX = import.meta.resolve('tsx/esm');

/** Start the child campaign, wait until it runs, let it run `ms` more, SIGKILL it. */
function killAfter(corpus: string, seed: number, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CHILD, corpus, String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let killed = false;
    child.stdout.on('data', () => {
      if (killed) return;
      killed = true;
      setTimeout(() => child.kill('SIGKILL'), ms);
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child ended by itself: ${code}`))));
  });
}

describe('crash safety', () => {
  it('SIGKILL at random moments leaves every corpus file valid, and a new campaign resumes from the corpus', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vf-crash-'));
    const corpus = path.join(dir, 'corpus');
    let rnd = 12345;
    const next = () => (rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let k = 0; k < 20; k++) {
      await killAfter(corpus, k, Math.floor(next() * 400));
      const { entries, errors } = loadCorpus(corpus);
      expect(errors).toEqual([]);
      expect(entries.length).toBeGreaterThan(0);
    }
    const before = loadCorpus(corpus).entries.length;
    // Leftover temporary files are not corpus entries and are never read as such.
    const stray = readdirSync(corpus).filter((f) => !f.endsWith('.json'));
    console.log(`crash safety: 20 kills, ${before} entries, ${stray.length} stray temporary files`);
    const resumed = await runCampaign({
      seed: 0, count: 300, minimize: false, targets: { model: fakeManyBucketsModel, kernel: fakeKernel },
      targetUse: { model: { used: true }, kernel: { used: true } }, outDir: path.join(dir, 'out2'), corpusDir: corpus,
    });
    expect(resumed.findings.length).toBeGreaterThan(0);
    expect(resumed.findings.filter((f) => !f.isNew).length).toBeGreaterThan(0); // it knew buckets from the killed runs
    expect(loadCorpus(corpus).errors).toEqual([]);
  }, 300_000);
});
