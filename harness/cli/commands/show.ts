/**
 * `verifuzz show ENTRY`: one corpus entry for a human. The finding and its evidence, where it came
 * from, what each target is expected to say, the listing with the diverging instruction marked,
 * and the states each available verifier reaches at that instruction (verified again now, with
 * structured states), side by side.
 */
import path from 'node:path';
import type { CommandModule } from 'yargs';
import type { CorpusEntry } from '../../../corpus/entry.gen.ts';
import { readEntry, resolveEntryPath } from '../entry-arg.ts';
import { listingLine } from '../../isa/disasm.ts';
import { layoutOf } from '../../isa/insn.ts';
import type { Program } from '../../isa/program.ts';
import { acquireForCommand } from '../../campaign/acquire.ts';
import type { Target, TargetName } from '../../targets.ts';
import type { LogEvent, VerifierState } from '../../verifier/state/log-state.ts';
import { renderState } from '../../verifier/log.ts';

interface ShowArgs {
  entry: string;
  corpus: string;
  targets: string;
}

function header(file: string, e: CorpusEntry): string[] {
  const out = [path.basename(file), `  ${e.title ?? e.finding?.evidence.message ?? '(no title)'}`];
  out.push(`  status ${e.status}${e.finding ? `, oracle ${e.finding.oracle}, target ${e.finding.target}` : ''}${e.bucket ? `, bucket ${e.bucket.key.slice(0, 12)} (${e.bucket.shape ?? '?'}: ${e.bucket.errorClass ?? '?'})` : ''}`);
  const p = e.provenance;
  out.push(`  found ${p.date} by ${p.generator}${p.seed ? ` (seed ${p.seed})` : ''}, verifuzz ${p.harnessVersion}${p.kernelRelease ? `, Linux ${p.kernelRelease}` : ''}; seen ${e.occurrences.count} time${e.occurrences.count === 1 ? '' : 's'}, last ${e.occurrences.lastSeen}`);
  return out;
}

function expectations(e: CorpusEntry): string[] {
  const x = e.expectations;
  const v = (t: { verdict: string; error?: string; retval?: number }) => `${t.verdict}${t.error ? `: ${t.error}` : ''}${t.retval !== undefined ? ` (retval ${t.retval})` : ''}`;
  const out = ['expected:'];
  if (x.model) out.push(`  model: ${v(x.model)}`);
  for (const [rel, k] of Object.entries(x.kernel ?? {})) if (k) out.push(`  kernel ${rel}: ${v(k)}`);
  if (x.vm) out.push(`  vm: ${x.vm.r0 !== undefined ? `r0=${x.vm.r0}` : `fault ${x.vm.fault}`}`);
  return out.length > 1 ? out : [];
}

function evidence(e: CorpusEntry): string[] {
  const ev = e.finding?.evidence;
  if (!ev) return [];
  const out = ['evidence:', `  ${ev.message}`];
  for (const [t, msg] of Object.entries(ev.errors ?? {})) if (msg) out.push(`  ${t} said: ${msg}`);
  if (ev.concrete) out.push(`  concrete at pc ${ev.pc}: ${Object.entries(ev.concrete).map(([r, x]) => `${r}=${x}`).join(' ')}`);
  if (ev.abstract) out.push(`  abstract at pc ${ev.pc}: ${ev.abstract}`);
  return out;
}

/** The listing, numbered by slot as the kernel log is (map loads as `map[i]`); `>>` marks pc `mark`. */
function listing(p: Program, mark: number | undefined): string[] {
  const { slotOfPc } = layoutOf(p.insns);
  return p.insns.map((insn, i) => `${i === mark ? '>>' : '  '} ${String(slotOfPc[i]).padStart(3)}: ${listingLine(insn)}`);
}

/** States a verifier reported at slot `slot`: before it (state lines, branch targets) and after it. */
export function statesAtSlot(events: readonly LogEvent[], slot: number): { label: string; state: VerifierState }[] {
  const out: { label: string; state: VerifierState }[] = [];
  for (const e of events) {
    if (e.kind === 'state' && e.pc === slot) out.push({ label: 'before', state: e.state });
    if (e.kind === 'branch' && e.to === slot) out.push({ label: `from ${e.from}`, state: e.state });
    if (e.kind === 'insn' && e.pc === slot && e.after) out.push({ label: 'after', state: e.after });
  }
  return out;
}

function targetStates(t: Target, p: Program, slot: number): string[] {
  const r = t.verify(p, { states: true, logLevel: 2 });
  const head = `  ${t.name}: ${r.verdict}${r.error ? `: ${r.error}` : ''}`;
  const states = r.events ? statesAtSlot(r.events, slot) : [];
  if (!r.events) return [head, '    (no structured states from this target)'];
  if (states.length === 0) return [head, `    (never at insn ${slot})`];
  return [head, ...states.slice(-6).map((s) => `    ${s.label.padEnd(9)}${renderState(s.state)}`)];
}

export const showCommand: CommandModule<object, ShowArgs> = {
  command: 'show <entry>',
  describe: 'Show a corpus entry: finding, evidence, listing, and both verifiers\' states at the diverging instruction',
  builder: (y) => y
    .positional('entry', { type: 'string', demandOption: true, describe: 'corpus entry (path or file-name prefix)' })
    .option('corpus', { alias: 'c', type: 'string', default: 'corpus/entries', describe: 'where entry name prefixes are looked up' })
    .option('targets', { type: 'string', default: 'model,kernel', describe: 'verifiers whose states to show' })
    .example('$0 show verifuzz-out/corpus/state-containment-3f2a', 'a finding of the last campaign'),
  handler: async (argv) => {
    const file = resolveEntryPath(argv.entry, argv.corpus);
    const { entry, program } = readEntry(file);
    const pc = entry.finding?.evidence.pc;
    const out = [...header(file, entry), ...expectations(entry), ...evidence(entry), 'program:', ...listing(program, pc)];
    const wanted = argv.targets.split(',').map((s) => s.trim()) as TargetName[];
    const acquired = await acquireForCommand(wanted, false);
    try {
      const slot = pc === undefined ? undefined : layoutOf(program.insns).slotOfPc[pc];
      if (slot !== undefined) {
        out.push(`states at insn ${slot} (verified now):`);
        for (const t of [acquired.targets.model, acquired.targets.kernel]) if (t) out.push(...targetStates(t, program, slot));
      }
    } finally {
      acquired.close();
    }
    process.stdout.write(`${out.join('\n')}\n`);
  },
};
