/**
 * Building corpus entries: from a finding (oracles/finding.ts) or from a seed program. Pure
 * except for the clock, which callers may pass in. Invariant: what these functions return passes
 * validateEntry (programHash computed here, bucket key from bucketKey).
 */
import type { CorpusEntry, Expectations, Status } from './entry.gen.ts';
import type { Program } from '../harness/isa/program.ts';
import { programToJson } from '../harness/isa/program-json.ts';
import { programHash } from './validate-entry.ts';
import { type Finding, bucketKey, bucketParts } from '../oracles/finding.ts';
import pkg from '../package.json' with { type: 'json' };

export const HARNESS_VERSION: string = pkg.version;

export interface EntryContext {
  readonly generator: string;
  readonly seed?: string;
  readonly kernelRelease?: string;
  /** ISO date-time; defaults to now. */
  readonly date?: string;
  /** Listing for humans (the program's asm field). */
  readonly asm?: string;
  readonly expectations?: Expectations;
  readonly title?: string;
}

function provenance(ctx: EntryContext, date: string, original?: Program): CorpusEntry['provenance'] {
  return {
    generator: ctx.generator,
    ...(ctx.seed !== undefined ? { seed: ctx.seed } : {}),
    harnessVersion: HARNESS_VERSION,
    ...(ctx.kernelRelease !== undefined ? { kernelRelease: ctx.kernelRelease } : {}),
    date,
    ...(original ? { original: programToJson(original) } : {}),
  };
}

function base(program: Program, status: Status, ctx: EntryContext, original?: Program): CorpusEntry {
  const date = ctx.date ?? new Date().toISOString();
  return {
    schemaVersion: 1,
    ...(ctx.title !== undefined ? { title: ctx.title } : {}),
    status,
    program: programToJson(program, ctx.asm),
    programHash: programHash(program),
    expectations: ctx.expectations ?? {},
    provenance: provenance(ctx, date, original),
    occurrences: { count: 1, firstSeen: date, lastSeen: date },
  };
}

/** A seed entry: no finding, status 'seed', deduplicated by program hash. */
export function seedEntry(program: Program, ctx: EntryContext): CorpusEntry {
  return base(program, 'seed', ctx);
}

/**
 * An open finding. `finding.program` is the minimized program; `original` the program the
 * campaign generated (kept in provenance when it differs).
 */
export function findingEntry(finding: Finding, ctx: EntryContext, original?: Program): CorpusEntry {
  const keep = original && programHash(original) !== programHash(finding.program) ? original : undefined;
  const parts = bucketParts(finding);
  return {
    ...base(finding.program, 'open', { title: finding.evidence.message, ...ctx }, keep),
    finding: { oracle: finding.oracle, target: finding.target, evidence: finding.evidence },
    bucket: { key: bucketKey(finding), ...parts },
  };
}
