/**
 * What the campaign does with a finding: the first time a bucket shows up it is minimized (the
 * predicate: the same bucket key still comes out of the whole pipeline), re-examined for the
 * expectations, and stored as a corpus entry; later hits only count. Buckets already in the
 * corpus when the campaign started are known: they count, and are not reported as new.
 */
import type { Program } from '../isa/program.ts';
import { disassembleProgram } from '../isa/disasm.ts';
import type { Expectations } from '../../corpus/entry.gen.ts';
import { findingEntry } from '../../corpus/entry.ts';
import { minimize } from '../../corpus/minimize.ts';
import { writeEntry } from '../../corpus/store.ts';
import { bucketKey, type Finding } from '../../oracles/finding.ts';
import { hex64 } from '../../oracles/observation.ts';
import { callsNondeterministicHelper } from '../../oracles/execution-differential.ts';
import { type Examined, type ExamineOptions, type Targets, examine } from './pipeline.ts';
import type { FindingRow } from './summary.ts';
import path from 'node:path';

export interface FindingSink {
  readonly corpusDir: string;
  readonly targets: Targets;
  readonly examineOptions: ExamineOptions;
  readonly minimize: boolean;
  readonly seed: string;
  readonly kernelRelease?: string;
  readonly date: () => string;
  /** Buckets in the corpus before the campaign. */
  readonly known: ReadonlySet<string>;
  /** When the minimization of a new finding must stop (epoch ms); default 30 s from its start. */
  readonly minimizeDeadline?: () => number;
}

/** The most one finding's minimization may take: a long-looping program costs up to the VM's
 * budget per pipeline run, and the campaign must go on. */
export const MINIMIZE_SECONDS = 30;

/** Expectations per target from one examination of the (minimized) program. */
export function expectationsOf(ex: Examined, kernelRelease: string | undefined): Expectations {
  const { model, kernel, kernelRun, program } = ex.observation;
  // A result that depends on random numbers, clocks or the CPU is no expectation.
  const reproducible = !callsNondeterministicHelper(program);
  const vm = ex.observation.vm && (reproducible || ex.observation.vm.kind === 'fault') ? ex.observation.vm : undefined;
  const verdictOf = (v: NonNullable<typeof model>) => ({
    verdict: v.verdict,
    ...(v.error ? { error: v.error } : {}),
    ...(v.errno !== undefined ? { errno: v.errno } : {}),
    ...(v.stats.insnsProcessed !== undefined ? { insnsProcessed: v.stats.insnsProcessed } : {}),
  });
  return {
    ...(model ? { model: verdictOf(model) } : {}),
    ...(kernel && kernelRelease ? {
      kernel: { [kernelRelease]: { ...verdictOf(kernel), ...(reproducible && kernelRun?.retval !== undefined ? { retval: kernelRun.retval } : {}) } },
    } : {}),
    ...(vm ? { vm: vm.kind === 'ok' ? { r0: hex64(vm.r0) } : { fault: `${vm.fault.kind}: ${vm.fault.message}` } } : {}),
  };
}

export class FindingCollector {
  readonly #rows = new Map<string, FindingRow>();
  constructor(private readonly sink: FindingSink) {}

  rows(): FindingRow[] {
    return [...this.#rows.values()];
  }

  /** Record the findings of one generated program (family, iteration for provenance). */
  add(findings: readonly Finding[], family: string, iteration: number): void {
    for (const f of findings) {
      const key = bucketKey(f);
      const row = this.#rows.get(key);
      if (row) {
        this.#rows.set(key, { ...row, hits: row.hits + 1 });
        continue;
      }
      this.#rows.set(key, this.#store(f, key, family, iteration));
    }
  }

  /** The campaign's options, but every program gets its kernel states checked: a finding of the
   * kernel-state oracle must survive minimization, whichever programs the sampling picks. */
  get #always(): ExamineOptions {
    return { ...this.sink.examineOptions, kernelStatesEvery: 1 };
  }

  #sameBucket(key: string): (p: Program) => boolean {
    return (p) => examine(p, this.sink.targets, this.#always).findings.some((g) => bucketKey(g) === key);
  }

  #store(f: Finding, key: string, family: string, iteration: number): FindingRow {
    const s = this.sink;
    // A bucket already in the corpus only updates its occurrences (the stored, shorter program wins the merge).
    const deadline = s.minimizeDeadline?.() ?? Date.now() + MINIMIZE_SECONDS * 1000;
    const program = s.minimize && !s.known.has(key) ? minimize(f.program, this.#sameBucket(key), { maxTests: 2000, deadline }).program : f.program;
    const again = examine(program, s.targets, this.#always);
    const minimized = again.findings.find((g) => bucketKey(g) === key) ?? { ...f, program };
    const entry = findingEntry(minimized, {
      generator: family, seed: `${s.seed}:${iteration}`, date: s.date(),
      asm: disassembleProgram(program),
      expectations: expectationsOf(again, s.kernelRelease),
      ...(s.kernelRelease ? { kernelRelease: s.kernelRelease } : {}),
    }, f.program);
    const written = writeEntry(s.corpusDir, entry);
    return {
      bucket: key, oracle: f.oracle, target: f.target, title: minimized.evidence.message, hits: 1,
      insns: program.insns.length, file: path.basename(written.file), isNew: !s.known.has(key),
    };
  }
}
