/**
 * What a campaign reports when it ends: counts per generator family, throughput, the targets
 * used (and why one was not), and one row per finding bucket. Written as summary.json and
 * rendered to summary.md by reports/markdown.ts.
 */

export interface FamilyStats {
  generated: number;
  modelAccepted: number;
  modelRejected: number;
  kernelAccepted: number;
  kernelRejected: number;
  vmRuns: number;
  vmFaults: number;
  kernelRuns: number;
  /** Programs whose kernel states (level-2 log) were checked against the VM run. */
  kernelStatesChecked: number;
  /** Programs the model gave up on (its instruction budget ran out): not judged by the model. */
  modelBudgetExhausted: number;
}

export interface FindingRow {
  readonly bucket: string;
  readonly oracle: string;
  readonly target: string;
  /** One line: what disagreed. */
  readonly title: string;
  /** How often this bucket was hit in this campaign. */
  readonly hits: number;
  /** Instructions in the minimized program. */
  readonly insns: number;
  /** Corpus file of the entry, relative to the corpus directory. */
  readonly file: string;
  /** true if the bucket was not in the corpus before this campaign. */
  readonly isNew: boolean;
}

export interface TargetUse {
  readonly used: boolean;
  /** Why the target was not used (e.g. "bpf() failed with EPERM"). */
  readonly reason?: string;
  readonly release?: string;
}

export interface CampaignSummary {
  readonly tool: 'verifuzz';
  readonly version: string;
  readonly seed: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly stoppedBy: 'time' | 'count' | 'signal';
  readonly programs: number;
  readonly programsPerSecond: number;
  readonly workers: number;
  readonly workerCrashes: number;
  readonly targets: { readonly model: TargetUse; readonly kernel: TargetUse };
  readonly families: Readonly<Record<string, FamilyStats>>;
  readonly findings: readonly FindingRow[];
}

export function emptyFamilyStats(): FamilyStats {
  return { generated: 0, modelAccepted: 0, modelRejected: 0, kernelAccepted: 0, kernelRejected: 0, vmRuns: 0, vmFaults: 0, kernelRuns: 0, kernelStatesChecked: 0, modelBudgetExhausted: 0 };
}

export function addFamilyStats(a: FamilyStats, b: FamilyStats): FamilyStats {
  const out = emptyFamilyStats();
  for (const k of Object.keys(out) as (keyof FamilyStats)[]) out[k] = a[k] + b[k];
  return out;
}
