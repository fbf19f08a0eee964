/**
 * The verifuzz command line: yargs wiring only. Each command lives in commands/<name>.ts and
 * exports a yargs CommandModule; this file lists them and turns user-facing errors into one line
 * on stderr and an exit code (2 bad input or usage, 3 target unavailable), never a stack trace.
 */
import yargs, { type CommandModule } from 'yargs';
import { isUserFacing } from '../errors.ts';
import { COMMANDS } from './commands/index.ts';

class UsageAbort extends Error {}

export async function main(argv: string[]): Promise<number> {
  let usageFailure: string | undefined;
  const parser = yargs(argv)
    .scriptName('verifuzz')
    .usage('$0 <command> [options]\n\nFuzzes and differential-tests eBPF verifiers.')
    .strict()
    .demandCommand(1, 'name a command (see --help)')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      usageFailure = msg;
      throw new UsageAbort(); // stop here: yargs would otherwise still run the command's handler
    });
  for (const c of COMMANDS) parser.command(c as CommandModule);
  try {
    await parser.parseAsync();
  } catch (e) {
    if (isUserFacing(e)) {
      process.stderr.write(`verifuzz: ${e.message}\n`);
      return e.exitCode;
    }
    if (!(e instanceof UsageAbort)) throw e; // a UsageAbort is reported below from usageFailure
  }
  if (usageFailure !== undefined) {
    process.stderr.write(`verifuzz: ${usageFailure}\n(run 'verifuzz --help' for usage)\n`);
    return 2;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
