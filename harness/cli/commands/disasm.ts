/**
 * `verifuzz disasm [FILE|-]`: bytecode hex or a Program JSON (or assembly, normalised) to an
 * assembly listing that `verifuzz asm` turns back into the same bytes. Instructions that break a
 * validity rule print as `.raw` lines with the rule in a comment; `--strict` makes them an error
 * (exit 2, `insn N: rule`). `--kernel` prints the verifier log's `N: (op) text` lines instead.
 */
import type { CommandModule } from 'yargs';
import { disassembleProgram, kernelListing } from '../../isa/disasm.ts';
import { checkInsns } from '../../isa/validate.ts';
import { PROG_TYPES, isProgType } from '../../isa/program.ts';
import { readProgramSource, writeOutput } from '../io.ts';
import { UserError } from '../../errors.ts';

interface DisasmArgs {
  file: string;
  kernel: boolean;
  strict: boolean;
  indices: boolean;
  labels: boolean;
  'prog-type': string;
  output: string;
}

export const disasmCommand: CommandModule<object, DisasmArgs> = {
  command: 'disasm [file]',
  describe: 'Disassemble bytecode hex or a Program JSON to re-assemblable BPF assembly',
  builder: (y) => y
    .positional('file', { type: 'string', default: '-', describe: 'hex, Program JSON or assembly file, or - for stdin' })
    .option('kernel', { type: 'boolean', default: false, describe: "print the verifier log's 'N: (op) text' lines" })
    .option('strict', { type: 'boolean', default: false, describe: 'fail (exit 2) on an invalid instruction' })
    .option('indices', { type: 'boolean', default: false, describe: 'append // N (instruction index) to each line' })
    .option('labels', { type: 'boolean', default: false, describe: 'jump targets as labels L<slot>: instead of pc+N' })
    .option('prog-type', { type: 'string', default: 'socket_filter', describe: 'program type for hex input (sched_cls, xdp, ...)' })
    .option('output', { alias: 'o', type: 'string', default: '-', describe: 'output file (written whole), - for stdout' })
    .example('$0 disasm examples/hello.s', 'normalise an assembly file')
    .example('$0 disasm --labels prog.hex', 'hex (one slot per line, or one line) to assembly with labels'),
  handler: async (argv) => {
    const progType = argv['prog-type'];
    if (!isProgType(progType)) {
      throw new UserError(`--prog-type: unknown program type '${progType}' (known: ${Object.keys(PROG_TYPES).join(', ')})`);
    }
    const { program } = await readProgramSource(argv.file, { defaultProgType: progType });
    const bad = checkInsns(program.insns);
    if (argv.strict && bad.length) throw new UserError(`insn ${bad[0]!.pc}: ${bad[0]!.message}`);
    const out = argv.kernel
      ? kernelListing(program.insns).map((l) => l + '\n').join('')
      : disassembleProgram(program, { indices: argv.indices, labels: argv.labels });
    await writeOutput(argv.output, out);
  },
};
