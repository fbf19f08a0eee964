/**
 * The fuzz loop: iteration i draws program generate(seed, i), examines it (pipeline.ts) and
 * hands findings to the collector (findings.ts), until the count, the time or a stop signal.
 * With --workers > 1 iterations run in worker threads (pool.ts) and results are put back in
 * iteration order before they are collected, so the corpus does not depend on thread timing.
 * Deterministic for a seed and a count: the programs, the findings and (with a fixed clock) the
 * corpus files are the same on every run. The summary is written even when stopped by a signal.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { FAMILIES, type Family } from '../../generators/index.ts';
import { loadCorpus } from '../../corpus/store.ts';
import { writeFileAtomic } from '../../corpus/atomic.ts';
import { renderSummaryMarkdown } from '../../reports/markdown.ts';
import { HARNESS_VERSION } from '../../corpus/entry.ts';
import { FindingCollector, MINIMIZE_SECONDS } from './findings.ts';
import type { Targets } from './pipeline.ts';
import { runIteration, type IterationResult } from './iteration.ts';
import { runPool } from './pool.ts';
import { campaignExamineOptions } from './options.ts';
import type { TargetName } from '../targets.ts';
import type { Program } from '../isa/program.ts';
import { programToJson } from '../isa/program-json.ts';
import { type CampaignSummary, type FamilyStats, type TargetUse, addFamilyStats, emptyFamilyStats } from './summary.ts';

export interface Progress {
  readonly programs: number;
  readonly elapsedMs: number;
  readonly families: Readonly<Record<string, FamilyStats>>;
  readonly buckets: number;
}

export interface CampaignOptions {
  readonly seed: number;
  /** Stop after this many programs. */
  readonly count?: number;
  /** Stop after this many milliseconds. */
  readonly timeMs?: number;
  readonly families?: readonly Family[];
  readonly targets: Targets;
  readonly targetUse: { readonly model: TargetUse; readonly kernel: TargetUse };
  /** Where summary.json and summary.md go. */
  readonly outDir: string;
  /** Where findings are stored, and whose buckets count as known. */
  readonly corpusDir: string;
  /** Other corpora whose buckets count as known (the bundled corpus/entries). */
  readonly knownCorpora?: readonly string[];
  readonly containment?: boolean;
  /** Check the kernel's level-2 states for 1 program in N (default options.ts DEFAULT_KERNEL_STATES_EVERY; 0: never). */
  readonly kernelStatesEvery?: number;
  /** The model's processed-instruction budget per program (default options.ts DEFAULT_MODEL_INSN_BUDGET). */
  readonly modelInsnBudget?: number;
  readonly minimize?: boolean;
  readonly dmesg?: () => string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  readonly onWorkerCrash?: (i: number | undefined, why: string) => void;
  /** The clock for corpus dates (ISO); default: SOURCE_DATE_EPOCH when set, else now. */
  readonly date?: () => string;
  /** Worker threads (default 1: run in this thread). */
  readonly workers?: number;
  /** Parents of the mutate family, when `families` includes it (workers rebuild it from these). */
  readonly parents?: readonly Program[];
}

export function defaultDate(): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  return epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000).toISOString() : new Date().toISOString();
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function runCampaign(o: CampaignOptions): Promise<CampaignSummary> {
  const families = o.families ?? FAMILIES;
  const workers = Math.max(1, o.workers ?? 1);
  const startedAt = defaultDate();
  const t0 = Date.now();
  const known = new Set([o.corpusDir, ...(o.knownCorpora ?? [])].flatMap((d) => loadCorpus(d).entries)
    .flatMap((e) => (e.entry.bucket ? [e.entry.bucket.key] : [])));
  const examineOptions = campaignExamineOptions(o);
  const collector = new FindingCollector({
    corpusDir: o.corpusDir, targets: o.targets, examineOptions, minimize: o.minimize ?? true,
    seed: String(o.seed), date: o.date ?? defaultDate, known,
    // A timed campaign does not overrun its end by more than a few seconds for a minimization.
    minimizeDeadline: () => Math.min(Date.now() + MINIMIZE_SECONDS * 1000,
      o.timeMs === undefined ? Infinity : Math.max(t0 + o.timeMs, Date.now() + 2000)),
    ...(o.targetUse.kernel.release ? { kernelRelease: o.targetUse.kernel.release } : {}),
  });
  const stats: Record<string, FamilyStats> = Object.fromEntries(families.map((f) => [f.name, emptyFamilyStats()]));
  let programs = 0;
  let handedOut = 0;
  let stoppedBy: CampaignSummary['stoppedBy'] = 'count';
  let lastProgress = 0;

  const next = (): number | undefined => {
    if (o.signal?.aborted) { stoppedBy = 'signal'; return undefined; }
    if (o.count !== undefined && handedOut >= o.count) { stoppedBy = 'count'; return undefined; }
    if (o.timeMs !== undefined && Date.now() - t0 >= o.timeMs) { stoppedBy = 'time'; return undefined; }
    return handedOut++;
  };
  const collect = (r: IterationResult): void => {
    stats[r.family] = addFamilyStats(stats[r.family] ?? emptyFamilyStats(), r.stats);
    collector.add(r.findings, r.family, r.i);
    programs++;
    if (o.onProgress && Date.now() - lastProgress >= 250) {
      lastProgress = Date.now();
      o.onProgress({ programs, elapsedMs: lastProgress - t0, families: stats, buckets: collector.rows().length });
    }
  };

  let crashes = 0;
  if (workers === 1) {
    let lastYield = Date.now();
    for (let i = next(); i !== undefined; i = next()) {
      // An exception in one program's pipeline is a harness bug: it is reported with the
      // iteration (seed + i reproduce it) and counted like a worker crash, and the campaign goes on.
      let r: IterationResult;
      try {
        r = runIteration(o.seed, i, families, o.targets, examineOptions);
      } catch (e) {
        crashes++;
        o.onWorkerCrash?.(i, e instanceof Error ? `${e.name}: ${e.message}` : String(e));
        continue;
      }
      collect(r);
      if (Date.now() - lastYield >= 50) {
        await tick(); // let signal handlers (Ctrl-C) and timers run
        lastYield = Date.now();
      }
    }
  } else {
    const pending = new Map<number, IterationResult | undefined>();
    let expected = 0;
    const wanted: TargetName[] = [...(o.targets.model ? ['model' as const] : []), ...(o.targets.kernel ? ['kernel' as const] : [])];
    ({ crashes } = await runPool(workers, { seed: o.seed, families: families.map((f) => f.name), targets: wanted, containment: examineOptions.containment, kernelStatesEvery: examineOptions.kernelStatesEvery, modelInsnBudget: examineOptions.modelInsnBudget, parents: (o.parents ?? []).map((p) => programToJson(p)) }, {
      next,
      deliver: (i, r) => {
        pending.set(i, r);
        while (pending.has(expected)) {
          const done = pending.get(expected);
          pending.delete(expected);
          if (done) collect(done);
          expected++;
        }
      },
      ...(o.onWorkerCrash ? { onCrash: o.onWorkerCrash } : {}),
    }));
  }
  const durationMs = Date.now() - t0;
  const summary: CampaignSummary = {
    tool: 'verifuzz', version: HARNESS_VERSION, seed: String(o.seed), startedAt, durationMs, stoppedBy,
    programs, programsPerSecond: durationMs > 0 ? (programs * 1000) / durationMs : 0, workers, workerCrashes: crashes,
    targets: o.targetUse, families: stats, findings: collector.rows(),
  };
  writeSummary(o.outDir, summary);
  return summary;
}

export function writeSummary(outDir: string, summary: CampaignSummary): void {
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(path.join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileAtomic(path.join(outDir, 'summary.md'), renderSummaryMarkdown(summary));
}
