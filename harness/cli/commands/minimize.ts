/**
 * `verifuzz minimize ENTRY|FILE`: shrink a program while the pipeline still reports the same
 * finding (bucket). ENTRY is a corpus file (or a file-name prefix inside --corpus): its original
 * program is minimized for its stored bucket, and --write updates the entry in place (atomically).
 * FILE is a program (assembly, Program JSON or hex): the first finding the pipeline reports on it
 * (or the one of --oracle) is kept. Prints the minimized listing.
 */
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors.ts';
import { readProgramSource } from '../io.ts';
import { readEntryIfAny, resolveEntryPath } from '../entry-arg.ts';
import { programHash } from '../../../corpus/validate-entry.ts';
import { entryText } from '../../../corpus/store.ts';
import { writeFileAtomic } from '../../../corpus/atomic.ts';
import { minimize } from '../../../corpus/minimize.ts';
import { bucketKey } from '../../../oracles/finding.ts';
import { programFromJson, programToJson } from '../../isa/program-json.ts';
import { disassembleProgram } from '../../isa/disasm.ts';
import type { Program } from '../../isa/program.ts';
import type { TargetName } from '../../targets.ts';
import { acquireForCommand } from '../../campaign/acquire.ts';
import { examine, type Targets } from '../../campaign/pipeline.ts';
import { parseWhole } from '../whole-number.ts';

interface MinimizeArgs {
  input: string;
  corpus: string;
  write: boolean;
  oracle?: string;
  targets: string;
  'max-tests': string | number;
}

function keyFor(program: Program, targets: Targets, oracle: string | undefined): string {
  const findings = examine(program, targets, { containment: true }).findings.filter((f) => !oracle || f.oracle === oracle);
  if (findings.length === 0) throw new UserError(`no ${oracle ?? ''}${oracle ? ' ' : ''}finding on this program with the available targets: nothing to preserve`);
  return bucketKey(findings[0]!);
}

export const minimizeCommand: CommandModule<object, MinimizeArgs> = {
  command: 'minimize <input>',
  describe: 'Shrink a corpus entry or a program while it keeps the same finding',
  builder: (y) => y
    .positional('input', { type: 'string', demandOption: true, describe: 'corpus entry (path or name prefix) or program file' })
    .option('corpus', { alias: 'c', type: 'string', default: 'corpus/entries', describe: 'where entry name prefixes are looked up' })
    .option('write', { type: 'boolean', default: false, describe: 'update the corpus entry in place' })
    .option('oracle', { type: 'string', describe: 'for a program file: keep the finding of this oracle' })
    .option('targets', { type: 'string', default: 'model,kernel', describe: 'verifiers to use' })
    .option('max-tests', { type: 'string', default: 5000, describe: 'at most this many pipeline runs' })
    .example('$0 minimize verifuzz-out/corpus/runtime-safety-1a2b3c.json --write', 'shrink a finding in place')
    .example('$0 minimize crash.s --oracle runtime-safety', 'shrink a hand-made program'),
  handler: async (argv) => {
    const maxTests = parseWhole('max-tests', argv['max-tests'], { min: 1 });
    const wanted = argv.targets.split(',').map((s) => s.trim()) as TargetName[];
    const file = argv.input === '-' ? '-' : resolveEntryPath(argv.input, argv.corpus);
    const entry = file === '-' ? undefined : readEntryIfAny(file);
    if (argv.write && !entry) throw new UserError('--write needs a corpus entry, not a program file');
    const acquired = await acquireForCommand(wanted);
    try {
      const stored = entry?.entry;
      const start = stored?.provenance.original ? programFromJson(stored.provenance.original) : entry?.program ?? (await readProgramSource(file)).program;
      const key = stored?.bucket?.key ?? keyFor(start, acquired.targets, argv.oracle);
      const same = (p: Program) => examine(p, acquired.targets, { containment: true }).findings.some((f) => bucketKey(f) === key);
      if (!same(start)) throw new UserError(`the finding (bucket ${key.slice(0, 12)}) does not reproduce here with the available targets`);
      const r = minimize(start, same, { maxTests });
      const asm = disassembleProgram(r.program);
      process.stdout.write(asm.endsWith('\n') ? asm : `${asm}\n`);
      process.stderr.write(`verifuzz: ${start.insns.length} -> ${r.program.insns.length} instructions in ${r.tests} pipeline runs${r.exhausted ? ' (stopped at --max-tests)' : ''}\n`);
      if (argv.write && stored) {
        const updated = { ...stored, program: programToJson(r.program, asm), programHash: programHash(r.program) };
        writeFileAtomic(file, entryText(updated));
        process.stderr.write(`verifuzz: updated ${file}\n`);
      }
    } finally {
      acquired.close();
    }
  },
};
