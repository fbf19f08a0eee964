/** The list of CLI commands; each module is one command. */
import type { CommandModule } from 'yargs';
import { asmCommand } from './asm.ts';
import { disasmCommand } from './disasm.ts';
import { checkCommand } from './check.ts';
import { verifyCommand } from './verify.ts';
import { conformanceCommand } from './conformance.ts';
import { runCommand } from './run.ts';
import { fuzzCommand } from './fuzz.ts';
import { replayCommand } from './replay.ts';
import { minimizeCommand } from './minimize.ts';
import { showCommand } from './show.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COMMANDS: CommandModule<any, any>[] = [
  asmCommand,
  disasmCommand,
  checkCommand,
  verifyCommand,
  conformanceCommand,
  runCommand,
  fuzzCommand,
  replayCommand,
  minimizeCommand,
  showCommand,
];
