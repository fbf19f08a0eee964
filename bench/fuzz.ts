/**
 * End-to-end campaign throughput: programs/s of a model-only and a model+kernel campaign over the
 * same seed, side by side, with the acceptance rate per generator family. Target (issue 6):
 * model-only at least 2,000 programs/s per core. VERIFUZZ_BENCH_SECONDS sets the length of each
 * campaign (default 60).
 */
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { runCampaign } from '../harness/campaign/campaign.ts';
import { acquireTargets } from '../harness/campaign/acquire.ts';
import type { CampaignSummary } from '../harness/campaign/summary.ts';
import type { TargetName } from '../harness/targets.ts';

const SECONDS = Number(process.env.VERIFUZZ_BENCH_SECONDS ?? 60);

type Measured = CampaignSummary & { readonly cpuSeconds: number };

async function campaign(names: TargetName[]): Promise<Measured | string> {
  const a = await acquireTargets(names);
  const missing = names.filter((n) => !a.use[n].used);
  if (missing.length) return `skipped: ${missing.map((n) => `${n}: ${a.use[n].reason}`).join('; ')}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'vf-bench-'));
  try {
    const c0 = process.cpuUsage();
    const s = await runCampaign({
      seed: 1, timeMs: SECONDS * 1000, targets: a.targets, targetUse: a.use,
      outDir: path.join(dir, 'out'), corpusDir: path.join(dir, 'corpus'),
    });
    const c = process.cpuUsage(c0);
    return { ...s, cpuSeconds: (c.user + c.system) / 1e6 };
  } finally {
    a.close();
  }
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');

export async function main(): Promise<void> {
  const runs: Array<[string, Measured | string]> = [
    ['model only', await campaign(['model'])],
    ['model+kernel', await campaign(['model', 'kernel'])],
  ];
  console.log(`campaigns of ${SECONDS} s, seed 1, 1 worker; machine load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
  for (const [name, s] of runs) {
    if (typeof s === 'string') { console.log(`${name}: ${s}`); continue; }
    // CPU time counts this process's every thread (the GC's helpers too); the kernel's time in bpf() is system time
    console.log(`${name}: ${s.programs} programs, ${s.programsPerSecond.toFixed(0)} programs/s wall, ${(s.programs / s.cpuSeconds).toFixed(0)} per CPU-second, ${s.findings.length} buckets`);
    for (const [fam, f] of Object.entries(s.families)) {
      console.log(`  ${fam.padEnd(10)} ${String(f.generated).padStart(7)} programs  kernel accepts ${pct(f.kernelAccepted, f.kernelAccepted + f.kernelRejected).padStart(6)}  model accepts ${pct(f.modelAccepted, f.modelAccepted + f.modelRejected).padStart(6)}  model gave up ${f.modelBudgetExhausted}  kernel states checked ${f.kernelStatesChecked}`);
    }
  }
  const [m, mk] = [runs[0]![1], runs[1]![1]];
  if (typeof m !== 'string' && typeof mk !== 'string' && mk.programsPerSecond > 0) {
    console.log(`ratio model-only / model+kernel: ${(m.programsPerSecond / mk.programsPerSecond).toFixed(2)}x`);
  }
}
