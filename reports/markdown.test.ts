import { describe, expect, it } from 'vitest';
import { renderSummaryMarkdown } from './markdown.ts';
import { emptyFamilyStats, type CampaignSummary } from '../harness/campaign/summary.ts';

const base: CampaignSummary = {
  tool: 'verifuzz', version: '0.1.0', seed: '42', startedAt: '2026-11-25T00:00:00Z', durationMs: 2500,
  stoppedBy: 'count', programs: 10, programsPerSecond: 4, workers: 1, workerCrashes: 0,
  targets: { model: { used: true }, kernel: { used: false, reason: 'bpf() failed: EPERM' } },
  families: { alu: { ...emptyFamilyStats(), generated: 10, modelAccepted: 3, modelRejected: 1 } },
  findings: [],
};

describe('renderSummaryMarkdown', () => {
  it('renders counts, targets with reasons and acceptance rates', () => {
    const md = renderSummaryMarkdown(base);
    expect(md).toContain('# verifuzz campaign, seed 42');
    expect(md).toContain('10 programs in 2.5 s (4 programs/s, 1 worker), stopped by count.');
    expect(md).toContain('- kernel: not used: bpf() failed: EPERM');
    expect(md).toContain('| alu | 10 | - | 75.0% | 0 | 0 | 0 |');
    expect(md).toContain('None.');
  });

  it('lists findings and escapes pipes in titles', () => {
    const md = renderSummaryMarkdown({
      ...base,
      findings: [{ bucket: 'b1', oracle: 'runtime-safety', target: 'model', title: 'a | b', hits: 3, insns: 4, file: 'x.json', isNew: true }],
    });
    expect(md).toContain('| yes | runtime-safety | model | 3 | 4 | a \\| b | `x.json` |');
  });
});
