/**
 * `verifuzz conformance --suite FILE|DIR [--target vm|kernel|model] [--filter REGEX]`: runs an
 * external test suite (../shared/conformance/, see its README) against one target.
 *
 * Dispatch is a table keyed by suite kind and target; each row is one runner module:
 *   kernel-verifier + kernel : harness/kernel/conformance.ts (test_verifier cases vs live_6_18)
 *   kernel-verifier + vm     : harness/vm/selftests.ts (VM retvals vs the live kernel's)
 *   bpf-conformance + vm     : harness/vm/conformance.ts (.jsonl or a directory of .data files)
 * The suite kind is detected from the data (a record with `live_6_18` is kernel-verifier; a
 * record with `mem_hex`, or a directory of .data files, is bpf-conformance).
 * Exit 0 when the suite passes, 1 when any case fails, 2 for bad input, 3 target unavailable.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors.ts';
import { readJsonl } from '../../testing/conformance.ts';
import { requireKernel } from '../../kernel/capability.ts';
import { formatSelftestReport, runSelftestSuite, selftestPassed, summarize } from '../../kernel/conformance.ts';
import type { SelftestRecord } from '../../kernel/selftest/record.ts';
import { loadConformanceSuite, reportConformance } from '../../vm/conformance.ts';
import { reportSelftestsVm, type SelftestRecord as VmSelftestRecord } from '../../vm/selftests.ts';
import { type KernelVerifierRecord, reportKernelVerifierModel } from '../../verifier/suite.ts';

type SuiteKind = 'bpf-conformance' | 'kernel-verifier';
type TargetArg = 'vm' | 'kernel' | 'model';

interface ConformanceArgs {
  suite: string;
  target?: TargetArg;
  filter?: string;
}

/** Runs a suite file/dir; prints its report; returns the exit code. */
type Runner = (suite: string, filter: RegExp | undefined) => number;

function kernelVerifierWithKernel(suite: string, filter: RegExp | undefined): number {
  requireKernel();
  const outcomes = runSelftestSuite(readRecords<SelftestRecord>(suite), suite, filter);
  const s = summarize(outcomes);
  process.stdout.write(formatSelftestReport(outcomes, s).map((l) => l + '\n').join(''));
  return selftestPassed(s) ? 0 : 1;
}

function bpfConformanceWithVm(suite: string, filter: RegExp | undefined): number {
  const cases = loadConformanceSuite(suite).filter((c) => !filter || filter.test(c.name));
  return reportConformance(cases, (l) => process.stdout.write(l + '\n'));
}

function kernelVerifierWithVm(suite: string, filter: RegExp | undefined): number {
  const recs = readRecords<VmSelftestRecord>(suite).filter((r) => !filter || filter.test(r.name));
  return reportSelftestsVm(recs, (l) => process.stdout.write(l + '\n'));
}

const RUNNERS: Partial<Record<`${SuiteKind}:${TargetArg}`, Runner>> = {
  'kernel-verifier:kernel': kernelVerifierWithKernel,
  'kernel-verifier:vm': kernelVerifierWithVm,
  'bpf-conformance:vm': bpfConformanceWithVm,
  'kernel-verifier:model': (suite, filter) => reportKernelVerifierModel(readRecords<KernelVerifierRecord>(suite).filter((r) => !filter || filter.test(r.name)), (l) => process.stdout.write(l + '\n')),
};

function readRecords<T>(file: string): T[] {
  try {
    return readJsonl<T>(file);
  } catch (e) {
    throw new UserError(`${file}: not JSON lines (${(e as Error).message})`);
  }
}

function suiteKind(suite: string): SuiteKind {
  if (!existsSync(suite)) throw new UserError(`${suite}: no such file or directory`);
  if (statSync(suite).isDirectory()) return 'bpf-conformance';
  const first = readFileSync(suite, 'utf8').split('\n', 1)[0] ?? '';
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(first) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${suite}:1: invalid JSON (${(e as Error).message})`);
  }
  if ('live_6_18' in rec) return 'kernel-verifier';
  if ('mem_hex' in rec) return 'bpf-conformance';
  throw new UserError(`${suite}: unknown suite kind (neither kernel-verifier nor bpf-conformance records)`);
}

function defaultTarget(kind: SuiteKind): TargetArg {
  return kind === 'kernel-verifier' ? 'kernel' : 'vm';
}

export const conformanceCommand: CommandModule<object, ConformanceArgs> = {
  command: 'conformance',
  describe: 'Run an external conformance / verifier test suite against a target',
  builder: (y) => y
    .option('suite', { type: 'string', demandOption: true, describe: 'suite file (.jsonl) or directory of .data files' })
    .option('target', { choices: ['vm', 'kernel', 'model'] as const, describe: 'target (default: kernel for kernel-verifier, vm for bpf-conformance)' })
    .option('filter', { type: 'string', describe: 'only records whose name matches this regular expression' })
    .example('$0 conformance --suite ../shared/conformance/kernel-verifier.jsonl --target kernel', 'test_verifier cases vs the live kernel')
    .example('$0 conformance --suite ../shared/conformance/bpf-conformance.jsonl', 'the bpf_conformance ISA suite on the VM'),
  handler: (argv) => {
    const kind = suiteKind(argv.suite);
    const target = argv.target ?? defaultTarget(kind);
    const runner = RUNNERS[`${kind}:${target}`];
    if (!runner) {
      const have = Object.keys(RUNNERS).filter((k) => k.startsWith(`${kind}:`)).map((k) => k.split(':')[1]);
      throw new UserError(`no ${kind} runner for --target ${target} (available: ${have.join(', ') || 'none'})`);
    }
    let filter: RegExp | undefined;
    try {
      filter = argv.filter ? new RegExp(argv.filter) : undefined;
    } catch (e) {
      throw new UserError(`--filter: ${(e as Error).message}`);
    }
    process.exitCode = runner(argv.suite, filter);
  },
};
