/**
 * `verifuzz verify FILE --target kernel|model|both [--log 1|2] [--states] [--flag NAME]...`:
 * one program (Program JSON, hex or assembly, read by harness/cli/io.ts) through one or both
 * verifiers; prints each target's verdict line, its log when asked, and a summary of the parsed
 * states. Exit 0 when verification ran (accept or reject: the verdict is the output), 2 for bad
 * input, 3 when a target is unavailable.
 *
 * Per-target printing is a table of sections (verdict, log, states) so each engineer extends
 * one row: the model target comes through harness/targets.ts, the states summary through the
 * log parser (harness/kernel/log/).
 */
import type { CommandModule } from 'yargs';
import { readProgramSource } from '../io.ts';
import { type ProgType, PROG_TYPES, PROG_FLAGS, type ProgFlagName } from '../../isa/program.ts';
import { type Target, type TargetName, type VerifyOptions, type VerifyResult, getTarget } from '../../targets.ts';
import { createKernelTarget } from '../../kernel/target.ts';
import { parseVerifierLog } from '../../kernel/log/parse.ts';
import { formatStateSummary, summarizeStates } from '../../kernel/log/summary.ts';
import { errnoName } from '../../kernel/capability.ts';
import { firstStateDifference, formatDifference } from '../../verifier/state-diff.ts';

/** --target both with different verdicts: the first instruction whose states differ (model's part). */
function bothDifference(program: Parameters<Target['verify']>[0], targets: Target[], opts: VerifyOptions): string {
  const [k, m] = targets.map((t) => t.verify(program, { ...opts, states: true, logLevel: 2 }));
  return formatDifference(firstStateDifference(k!.events ?? [], m!.events ?? []));
}

interface VerifyArgs {
  file: string;
  target: 'kernel' | 'model' | 'both';
  log: number;
  states: boolean;
  flag: string[];
  'prog-type': string;
}

function verdictLine(r: VerifyResult): string {
  const stats = [
    r.stats.insnsProcessed !== undefined ? `processed ${r.stats.insnsProcessed} insns` : undefined,
    r.stats.verificationTimeUs !== undefined ? `${r.stats.verificationTimeUs} usec` : undefined,
  ].filter(Boolean).join(', ');
  const tail = stats ? ` (${stats})` : '';
  if (r.verdict === 'accept') return `${r.target}: accept${tail}\n`;
  const errno = r.errno ? ` [${errnoName(r.errno)}]` : '';
  return `${r.target}: reject: ${r.error ?? '(no reason)'}${errno}${tail}\n`;
}

function logSection(r: VerifyResult): string {
  if (r.log === undefined) return '';
  return `--- ${r.target} log ---\n${r.log}${r.log.endsWith('\n') || !r.log ? '' : '\n'}--- end of ${r.target} log ---\n`;
}

/** How many events the parser produced, then the per-pc summary of the states (log parser's). */
function statesSection(r: VerifyResult): string {
  if (!r.events) return '';
  const unknown = r.events.filter((e) => e.kind === 'unknown').length;
  const insns = new Set(r.events.filter((e) => e.kind === 'insn').map((e) => (e as { pc: number }).pc)).size;
  return `${r.target} states: ${r.events.length} log events, ${insns} distinct instructions visited, ${unknown} unknown lines\n`
    + formatStateSummary(summarizeStates(r.events));
}

const SECTIONS: readonly ((r: VerifyResult) => string)[] = [verdictLine, logSection, statesSection];

async function target(name: TargetName): Promise<Target> {
  // The kernel target gets the log parser so that --states yields structured events.
  return name === 'kernel' ? createKernelTarget({ parseLog: (t) => parseVerifierLog(t).events }) : getTarget(name);
}

function flagsOf(names: readonly string[]): number {
  return names.reduce((f, n) => f | PROG_FLAGS[n as ProgFlagName], 0) >>> 0;
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify <file>',
  describe: 'Verify one program with the kernel (and/or model) verifier; print verdict, log, states',
  builder: (y) => y
    .positional('file', { type: 'string', demandOption: true, describe: 'Program JSON, hex or assembly file, or - for stdin' })
    .option('target', { choices: ['kernel', 'model', 'both'] as const, default: 'kernel' as const, describe: 'which verifier(s)' })
    .option('log', { choices: [0, 1, 2], default: 0, describe: 'verifier log level to print (0: verdict only)' })
    .option('states', { type: 'boolean', default: false, describe: 'parse the level-2 log into states and summarise them' })
    .option('flag', { type: 'array', string: true, choices: Object.keys(PROG_FLAGS), default: [], describe: 'extra prog_flags for the load' })
    .option('prog-type', { choices: Object.keys(PROG_TYPES), default: 'socket_filter', describe: 'program type for hex / assembly input' })
    .example('$0 verify examples/hello.s --log 2', 'verdict and the full level-2 log')
    .example('$0 verify prog.json --flag BPF_F_TEST_REG_INVARIANTS', 'load with an extra flag'),
  handler: async (argv) => {
    const names: TargetName[] = argv.target === 'both' ? ['kernel', 'model'] : [argv.target];
    const targets: Target[] = [];
    for (const n of names) targets.push(await target(n));
    const { program } = await readProgramSource(argv.file, { defaultProgType: argv['prog-type'] as ProgType });
    const opts: VerifyOptions = {
      logLevel: (argv.states ? 2 : argv.log) as 0 | 1 | 2, states: argv.states,
      ...(argv.flag.length ? { extraFlags: flagsOf(argv.flag) } : {}),
    };
    const results: VerifyResult[] = [];
    for (const t of targets) {
      const r = t.verify(program, opts);
      results.push(r);
      const printLog = argv.log > 0 ? r : { ...r, log: undefined };
      process.stdout.write(SECTIONS.map((s) => s(printLog)).join(''));
    }
    if (targets.length === 2 && results[0]!.verdict !== results[1]!.verdict) process.stdout.write(bothDifference(program, targets, opts));
  },
};
