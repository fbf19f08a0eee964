/**
 * One campaign iteration as a value: generate program i of the seed, examine it, keep the counts
 * and the findings. The wire form (plain JSON-able) crosses worker_threads boundaries; programs
 * travel as Program JSON.
 */
import { generate, type Family } from '../../generators/index.ts';
import type { Finding } from '../../oracles/finding.ts';
import { programFromJson, programToJson, type ProgramJson } from '../isa/program-json.ts';
import { examine, type ExamineOptions, type Targets } from './pipeline.ts';
import type { FamilyStats } from './summary.ts';

export interface IterationResult {
  readonly i: number;
  readonly family: string;
  readonly stats: FamilyStats;
  readonly findings: readonly Finding[];
}

export interface WireFinding {
  readonly oracle: Finding['oracle'];
  readonly target: Finding['target'];
  readonly program: ProgramJson;
  readonly evidence: Finding['evidence'];
}

export interface WireResult {
  readonly i: number;
  readonly family: string;
  readonly stats: FamilyStats;
  readonly findings: readonly WireFinding[];
}

export function runIteration(seed: number, i: number, families: readonly Family[], targets: Targets, opts: ExamineOptions): IterationResult {
  const gen = generate(seed, i, families);
  const ex = examine(gen.program, targets, opts);
  return { i, family: gen.family, stats: ex.stats, findings: ex.findings };
}

export function toWire(r: IterationResult): WireResult {
  return { ...r, findings: r.findings.map((f) => ({ oracle: f.oracle, target: f.target, program: programToJson(f.program), evidence: f.evidence })) };
}

export function fromWire(w: WireResult): IterationResult {
  return { ...w, findings: w.findings.map((f) => ({ ...f, program: programFromJson(f.program) })) };
}
