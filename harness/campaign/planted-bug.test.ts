import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCampaign } from './campaign.ts';
import { createModelTarget } from '../verifier/target.ts';
import { loadCorpus } from '../../corpus/store.ts';
import { BPF_AND, bpfOp, bpfSrc, BPF_K, bpfClass, BPF_ALU, BPF_ALU64 } from '../isa/opcodes.ts';
import type { Program } from '../isa/program.ts';

const SAFETY = new Set(['runtime-safety', 'state-containment']);

function campaign(dir: string, plantedBug: boolean) {
  return runCampaign({
    seed: 3, count: 400,
    targets: { model: createModelTarget(plantedBug ? { plantedBug: 'and-drops-mask-top-bit' } : {}) },
    targetUse: { model: { used: true }, kernel: { used: false, reason: 'model-only test' } },
    outDir: path.join(dir, 'out'), corpusDir: path.join(dir, 'corpus'), date: () => '2026-01-01T00:00:00.000Z',
  });
}

const andWithConstant = (p: Program): boolean => p.insns.some((i) =>
  (bpfClass(i.code) === BPF_ALU || bpfClass(i.code) === BPF_ALU64) && bpfOp(i.code) === BPF_AND && bpfSrc(i.code) === BPF_K);

describe('a planted model bug is found', () => {
  it('an unsound &= is found by the safety oracles, minimized to at most 6 instructions and stored; the sound model finds nothing there', async () => {
    const bugDir = mkdtempSync(path.join(tmpdir(), 'vf-planted-'));
    const bugged = await campaign(bugDir, true);
    const found = bugged.findings.filter((f) => SAFETY.has(f.oracle));
    console.log(`planted bug: ${bugged.programs} programs, ${found.length} safety buckets: ${found.map((f) => `${f.oracle} x${f.hits}, ${f.insns} insns`).join('; ')}`);
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) expect(f.insns).toBeLessThanOrEqual(6);

    const { entries, errors } = loadCorpus(path.join(bugDir, 'corpus'));
    expect(errors).toEqual([]);
    for (const f of found) {
      const e = entries.find((x) => x.entry.bucket?.key === f.bucket);
      expect(e, `corpus entry of ${f.bucket}`).toBeDefined();
      expect(e!.program.insns.length).toBeLessThanOrEqual(6);
      expect(andWithConstant(e!.program)).toBe(true); // the minimized program keeps the planted instruction
    }

    const clean = await campaign(mkdtempSync(path.join(tmpdir(), 'vf-clean-')), false);
    const buckets = new Set(found.map((f) => f.bucket));
    expect(clean.programs).toBe(bugged.programs);
    expect(clean.findings.filter((f) => buckets.has(f.bucket))).toEqual([]);
    expect(clean.findings.filter((f) => SAFETY.has(f.oracle))).toEqual([]);
  }, 600_000);
});
