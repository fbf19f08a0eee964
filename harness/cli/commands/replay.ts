/**
 * `verifuzz replay [--corpus DIR] [--junit FILE]`: re-runs every corpus entry against the current
 * model, kernel and VM and compares with the stored expectations. Prints a table and the details
 * of each regression. Exit 1 on any regression; otherwise 2 when a corpus file was malformed
 * (reported with file and field path, skipped); else 0.
 */
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { loadCorpus } from '../../../corpus/store.ts';
import { replayEntry, type ReplayCase } from '../../../corpus/replay.ts';
import { writeFileAtomic } from '../../../corpus/atomic.ts';
import { renderJunit } from '../../../reports/junit.ts';
import { acquireForCommand } from '../../campaign/acquire.ts';
import { UserError } from '../../errors.ts';
import type { TargetName } from '../../targets.ts';
import { existsSync } from 'node:fs';

interface ReplayArgs {
  dir?: string;
  corpus: string;
  junit?: string;
  targets: string;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function replayTable(cases: readonly ReplayCase[]): string {
  const rows = cases.map((c) => [
    path.basename(c.file), c.status, `${c.checks.filter((k) => k.ok).length}/${c.checks.length}`,
    c.reproduces === undefined ? '-' : c.reproduces ? 'yes' : 'no', c.regression ? 'REGRESSION' : 'ok',
  ]);
  const head = ['entry', 'status', 'checks', 'reproduces', 'result'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((x, i) => pad(x, widths[i]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

export const replayCommand: CommandModule<object, ReplayArgs> = {
  command: 'replay [dir]',
  describe: 'Re-run every corpus entry and compare with its stored expectations; exit 1 on regressions',
  builder: (y) => y
    .positional('dir', { type: 'string', describe: 'corpus directory (same as --corpus)' })
    .option('corpus', { alias: 'c', type: 'string', default: 'corpus/entries', describe: 'corpus directory' })
    .option('junit', { type: 'string', describe: 'also write JUnit XML here (for CI)' })
    .option('targets', { type: 'string', default: 'model,kernel', describe: 'verifiers to compare: model, kernel or both' })
    .example('$0 replay', 'the bundled corpus against this machine')
    .example('$0 replay --corpus verifuzz-out/corpus --junit replay.xml', 'a campaign\'s findings, with a CI report'),
  handler: async (argv) => {
    const dir = argv.dir ?? argv.corpus;
    if (!existsSync(dir)) throw new UserError(`${argv.dir ? '' : '--corpus: '}${dir}: no such directory`);
    const wanted = argv.targets.split(',').map((s) => s.trim()) as TargetName[];
    const bad = wanted.filter((w) => w !== 'model' && w !== 'kernel');
    if (bad.length) throw new UserError(`--targets: unknown '${bad.join("', '")}' (choose from model, kernel)`);
    const { entries, errors } = loadCorpus(dir);
    for (const e of errors) process.stderr.write(`verifuzz: ${e.file}: ${e.path || '/'}: ${e.message} (skipped)\n`);
    const malformed = new Set(errors.map((e) => e.file)).size;
    const acquired = await acquireForCommand(wanted);
    try {
      const release = acquired.use.kernel.release;
      const cases = entries.map((le) => replayEntry(le, acquired.targets, release));
      process.stdout.write(replayTable(cases));
      for (const c of cases.filter((x) => x.regression)) {
        process.stdout.write(`\n${path.basename(c.file)}: ${c.title}\n`);
        for (const k of c.checks.filter((x) => !x.ok)) process.stdout.write(`  ${k.what}: expected ${k.expected}, got ${k.actual}\n`);
      }
      const regressions = cases.filter((c) => c.regression).length;
      process.stdout.write(`\n${cases.length - regressions} passed, ${regressions} failed${malformed ? `, ${malformed} malformed file${malformed === 1 ? '' : 's'} skipped` : ''}\n`);
      if (argv.junit) {
        writeFileAtomic(argv.junit, renderJunit('verifuzz replay', [
          ...cases.map((c) => ({
            name: path.basename(c.file), classname: `corpus.${c.status}`,
            ...(c.regression ? { failure: { message: 'expectation changed', detail: c.checks.filter((k) => !k.ok).map((k) => `${k.what}: expected ${k.expected}, got ${k.actual}`).join('\n') } } : {}),
          })),
          ...errors.map((e) => ({ name: path.basename(e.file), classname: 'corpus.malformed', failure: { message: `${e.path || '/'}: ${e.message}` } })),
        ]));
      }
      process.exitCode = regressions ? 1 : malformed ? 2 : 0;
    } finally {
      acquired.close();
    }
  },
};
