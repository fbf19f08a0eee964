/**
 * `verifuzz asm [FILE|-]`: assembly to bytecode hex (one 8-byte slot per line) or a Program JSON.
 * Bad assembly exits 2 with `file:line:col: expected ...`; invalid instructions are refused
 * unless written with `.raw`.
 */
import type { CommandModule } from 'yargs';
import { assemble } from '../../isa/asm.ts';
import { encode, bytesToHex } from '../../isa/codec.ts';
import { programToJson } from '../../isa/program-json.ts';
import { readText, writeOutput } from '../io.ts';

interface AsmArgs {
  file: string;
  format: 'hex' | 'json';
  output: string;
}

/** Hex text with one slot (16 hex digits) per line. */
export function slotsHex(bytes: Uint8Array): string {
  const hex = bytesToHex(bytes);
  return hex.replace(/(.{16})/g, '$1\n');
}

export const asmCommand: CommandModule<object, AsmArgs> = {
  command: 'asm [file]',
  describe: 'Assemble kernel-log style BPF assembly to bytecode hex or a Program JSON',
  builder: (y) => y
    .positional('file', { type: 'string', default: '-', describe: 'assembly file, or - for stdin' })
    .option('format', { choices: ['hex', 'json'] as const, default: 'hex' as const, describe: 'output format' })
    .option('output', { alias: 'o', type: 'string', default: '-', describe: 'output file (written whole), - for stdout' })
    .example('$0 asm examples/hello.s', 'print the bytecode, one 8-byte slot per line')
    .example('$0 asm --format json -o hello.json hello.s', 'write a Program JSON'),
  handler: async (argv) => {
    const text = await readText(argv.file);
    const name = argv.file === '-' ? '<stdin>' : argv.file;
    const { program } = assemble(text, { file: name });
    const out = argv.format === 'json'
      ? JSON.stringify(programToJson(program, text), null, 2) + '\n'
      : slotsHex(encode(program.insns));
    await writeOutput(argv.output, out);
  },
};
