/**
 * The seed corpus: a few programs of every generator family (accepted and rejected ones) with
 * their expectations taken from the live kernel and our VM, stored as status 'seed' entries in
 * corpus/entries/. `npx tsx corpus/seeds.ts [DIR]` regenerates them (needs the kernel target;
 * deterministic programs, dates from SOURCE_DATE_EPOCH when set). Expectations of r0 / retval
 * are left out for programs that call a nondeterministic helper (their result cannot replay).
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAMILIES, generateFrom, type Family } from '../generators/index.ts';
import { mutateFamily } from '../generators/mutate.ts';
import type { Program } from '../harness/isa/program.ts';
import type { Expectations } from './entry.gen.ts';
import { seedEntry } from './entry.ts';
import { writeEntry } from './store.ts';
import { disassembleProgram } from '../harness/isa/disasm.ts';
import { createKernelTarget } from '../harness/kernel/target.ts';
import { examine } from '../harness/campaign/pipeline.ts';
import { expectationsOf, } from '../harness/campaign/findings.ts';
import { defaultDate } from '../harness/campaign/campaign.ts';
import { callsNondeterministicHelper } from '../oracles/execution-differential.ts';
import type { Target } from '../harness/targets.ts';

export const SEED = 'seed-corpus';
export const ENTRIES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'entries');

/** Drop r0 / retval expectations that cannot replay. */
function replayable(e: Expectations, p: Program): Expectations {
  if (!callsNondeterministicHelper(p)) return e;
  const kernel = e.kernel && Object.fromEntries(Object.entries(e.kernel).map(([rel, k]) => {
    const { retval: _r, ...rest } = k!;
    return [rel, rest];
  }));
  const { vm: _vm, ...others } = e;
  return { ...others, ...(kernel ? { kernel } : {}) };
}

interface Pick { readonly family: string; readonly program: Program; readonly iteration: number }

/** The first `accepts` accepted and `rejects` rejected programs of a family. */
function choose(f: Family, kernel: Target, accepts: number, rejects: number): Pick[] {
  const out: Pick[] = [];
  let a = 0;
  let r = 0;
  for (let i = 0; i < 500 && (a < accepts || r < rejects); i++) {
    const program = generateFrom(f, SEED, i);
    const v = kernel.verify(program).verdict;
    if (v === 'accept' && a < accepts) { a++; out.push({ family: f.name, program, iteration: i }); }
    if (v === 'reject' && r < rejects) { r++; out.push({ family: f.name, program, iteration: i }); }
  }
  return out;
}

export function buildSeeds(dir: string, kernel: Target): number {
  const release = os.release();
  const picks = FAMILIES.flatMap((f) => choose(f, kernel, 2, 2));
  const mutants = choose(mutateFamily(picks.map((p) => p.program)), kernel, 2, 2);
  let n = 0;
  for (const p of [...picks, ...mutants]) {
    const ex = examine(p.program, { kernel });
    const k = ex.observation.kernel!;
    const entry = seedEntry(p.program, {
      generator: p.family, seed: `${SEED}:${p.iteration}`, kernelRelease: release, date: defaultDate(),
      asm: disassembleProgram(p.program),
      title: `${p.family}: kernel ${k.verdict}s${k.error ? ` (${k.error})` : ''}`,
      expectations: replayable(expectationsOf(ex, release), p.program),
    });
    writeEntry(dir, entry);
    n++;
  }
  return n;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? ENTRIES_DIR;
  const kernel = createKernelTarget();
  const n = buildSeeds(dir, kernel);
  process.stdout.write(`wrote ${n} seed entries to ${dir}\n`);
}
