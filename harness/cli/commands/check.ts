/**
 * `verifuzz check --target kernel|model|both [--input FILE|-]`: batch verification for scripts.
 * JSON lines in (a Program with an `id` per line; a missing id defaults to the line number), JSON
 * lines out, one per input record, in order: `{id, verdict, error?, insnsProcessed?, retval?}`,
 * or with `both` `{id, kernel: {...}, model: {...}, agree}`.
 *
 * `retval` is the u32 result of one kernel run on a 64-byte zeroed packet (socket_filter,
 * sched_cls, xdp), reported only for programs the kernel accepted AND our VM ran cleanly first
 * (harness/kernel/vm-gate.ts). A malformed line yields `{line, id?, error}` and the rest goes on;
 * the exit code is then 2. An unavailable target is one line on stderr and exit 3.
 */
import { createInterface } from 'node:readline';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors.ts';
import { programFromJson } from '../../isa/program-json.ts';
import { type Program, type ProgType, type ProgFlagName, PROG_FLAGS } from '../../isa/program.ts';
import { type Target, type TargetName, getTarget } from '../../targets.ts';
import { loadVmGate, type VmGate } from '../../kernel/vm-gate.ts';
import { defaultRunInput } from '../../kernel/loaded.ts';

interface CheckArgs {
  target: 'kernel' | 'model' | 'both';
  input: string;
  flag: string[];
}

type Verdict = { verdict: 'accept' | 'reject'; error?: string; insnsProcessed?: number; retval?: number };

const RUN_TYPES = new Set<ProgType>(['socket_filter', 'sched_cls', 'xdp']);

async function openInput(file: string): Promise<Readable> {
  if (file === '-') return process.stdin;
  try {
    return (await open(file, 'r')).createReadStream({ encoding: 'utf8' });
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function parseRecord(line: string, lineNo: number): { id: string | number; program: Program } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new UserError(`line ${lineNo}: invalid JSON: ${(e as Error).message}`);
  }
  const id = (value as { id?: unknown } | null)?.id;
  try {
    const program = programFromJson(value);
    return { id: typeof id === 'string' || typeof id === 'number' ? id : lineNo, program };
  } catch (e) {
    if (e instanceof UserError) throw Object.assign(new UserError(`line ${lineNo}: ${e.message}`), { id });
    throw e;
  }
}

function verifyOne(t: Target, p: Program, gate: VmGate | undefined, extraFlags: number): Verdict {
  const v = t.verify(p, extraFlags ? { extraFlags } : {});
  const out: Verdict = {
    verdict: v.verdict,
    ...(v.error !== undefined ? { error: v.error } : {}),
    ...(v.stats.insnsProcessed !== undefined ? { insnsProcessed: v.stats.insnsProcessed } : {}),
  };
  if (t.name !== 'kernel' || v.verdict !== 'accept' || !gate || !RUN_TYPES.has(p.progType)) return out;
  const input = defaultRunInput(p.progType);
  if (!gate(p, input).clean) return out;
  const run = t.run(p, input);
  return run.retval !== undefined ? { ...out, retval: run.retval } : out;
}

/** One output line for one input line; UserErrors become `{line, id?, error}` (bad: true). */
function checkRecord(line: string, lineNo: number, targets: Target[], gate: VmGate | undefined, extraFlags: number): { out: object; bad: boolean } {
  let id: unknown;
  try {
    const rec = parseRecord(line, lineNo);
    id = rec.id;
    const results = targets.map((t) => verifyOne(t, rec.program, gate, extraFlags));
    if (targets.length === 1) return { out: { id, ...results[0] }, bad: false };
    return { out: { id, kernel: results[0], model: results[1], agree: results[0]!.verdict === results[1]!.verdict }, bad: false };
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    id ??= (e as UserError & { id?: unknown }).id;
    const msg = e.message.startsWith(`line ${lineNo}:`) ? e.message : `line ${lineNo}: ${e.message}`;
    return { out: { line: lineNo, ...(id !== undefined ? { id } : {}), error: msg }, bad: true };
  }
}

async function targetsFor(which: CheckArgs['target']): Promise<Target[]> {
  const names: TargetName[] = which === 'both' ? ['kernel', 'model'] : [which];
  const out: Target[] = [];
  for (const n of names) out.push(await getTarget(n));
  return out;
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check',
  describe: 'Verify JSON-lines Programs with the kernel and/or model verifier; JSON lines out',
  builder: (y) => y
    .option('target', { choices: ['kernel', 'model', 'both'] as const, default: 'kernel' as const, describe: 'which verifier(s)' })
    .option('input', { alias: 'i', type: 'string', default: '-', describe: 'JSON-lines file of Programs with an id, - for stdin' })
    .option('flag', { type: 'array', string: true, choices: Object.keys(PROG_FLAGS), default: [], describe: 'extra prog_flags for every load (e.g. BPF_F_TEST_REG_INVARIANTS)' })
    .example('$0 check --target kernel --input progs.jsonl', 'one result line per program')
    .example('echo \'{"id":1,"progType":"socket_filter","insns":"b7000000000000009500000000000000"}\' | $0 check', 'from stdin'),
  handler: async (argv) => {
    const targets = await targetsFor(argv.target);
    const { gate } = await loadVmGate();
    const extraFlags = argv.flag.reduce((f, n) => f | PROG_FLAGS[n as ProgFlagName], 0) >>> 0;
    const rl = createInterface({ input: await openInput(argv.input), crlfDelay: Infinity });
    let lineNo = 0;
    let bad = 0;
    for await (const line of rl) {
      lineNo++;
      if (!line.trim()) continue;
      const r = checkRecord(line, lineNo, targets, gate, extraFlags);
      if (r.bad) bad++;
      process.stdout.write(JSON.stringify(r.out) + '\n');
    }
    if (bad) process.exitCode = 2;
  },
};
