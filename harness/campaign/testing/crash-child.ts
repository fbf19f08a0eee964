/**
 * Child process for the crash-safety test: a long campaign against the fake verifiers, writing
 * many buckets into the corpus given as argv[2], seeded with argv[3]. It prints "running" once the
 * campaign loop has started; the test then kills it with SIGKILL at a random moment.
 */
import path from 'node:path';
import { runCampaign } from '../campaign.ts';
import { fakeKernel, fakeManyBucketsModel } from './fake-targets.ts';

const [corpusDir, seed] = [process.argv[2]!, Number(process.argv[3] ?? 0)];
let said = false;
await runCampaign({
  seed, count: 1_000_000, minimize: false,
  targets: { model: fakeManyBucketsModel, kernel: fakeKernel },
  targetUse: { model: { used: true }, kernel: { used: true, release: 'fake-1.0' } },
  outDir: path.join(corpusDir, '..', 'out'), corpusDir,
  onProgress: () => {
    if (!said) process.stdout.write('running\n');
    said = true;
  },
});
