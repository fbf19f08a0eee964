/**
 * `verifuzz fuzz`: the campaign. Prints progress on stderr, a summary on stdout at the end, and
 * writes summary.json / summary.md under --out and findings into the corpus (--corpus, default
 * <out>/corpus). A target that cannot be used here is reported and left out; with none left the
 * command exits 3. Ctrl-C stops cleanly: the summary is still written (a second Ctrl-C aborts).
 */
import path from 'node:path';
import { randomInt } from 'node:crypto';
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors.ts';
import { ALL_FAMILY_NAMES, BUNDLED_CORPUS, campaignFamilies, corpusPrograms } from '../../campaign/families.ts';
import type { TargetName } from '../../targets.ts';
import { acquireForCommand } from '../../campaign/acquire.ts';
import { runCampaign, type Progress } from '../../campaign/campaign.ts';
import { DEFAULT_KERNEL_STATES_EVERY, DEFAULT_MODEL_INSN_BUDGET } from '../../campaign/options.ts';
import { KernelMessages } from '../../campaign/kmsg.ts';
import { renderSummaryMarkdown } from '../../../reports/markdown.ts';
import { parseWhole, parseWholeIfGiven } from '../whole-number.ts';
import { parseDuration } from '../duration.ts';

interface FuzzArgs {
  time?: string;
  count?: string;
  seed?: string;
  targets: string;
  generators?: string;
  out: string;
  corpus?: string;
  minimize: boolean;
  containment: boolean;
  'kernel-states-every': string | number;
  'model-budget': string | number;
  'fail-on-new': boolean;
  workers: string | number;
}

function listOption(text: string, known: readonly string[], option: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !known.includes(s));
  if (bad.length || items.length === 0) {
    throw new UserError(`${option}: unknown ${bad.length ? `'${bad.join("', '")}'` : 'empty list'} (choose from ${known.join(', ')})`);
  }
  return items;
}

function progressLine(p: Progress): string {
  let gen = 0, kAcc = 0, kSeen = 0, mAcc = 0, mSeen = 0;
  for (const f of Object.values(p.families)) {
    gen += f.generated;
    kAcc += f.kernelAccepted; kSeen += f.kernelAccepted + f.kernelRejected;
    mAcc += f.modelAccepted; mSeen += f.modelAccepted + f.modelRejected;
  }
  const rate = p.elapsedMs > 0 ? (gen * 1000) / p.elapsedMs : 0;
  const pct = (a: number, n: number) => (n ? `${((100 * a) / n).toFixed(0)}%` : '-');
  return `[${(p.elapsedMs / 1000).toFixed(1)}s] ${gen} programs (${rate.toFixed(0)}/s)  accepted: kernel ${pct(kAcc, kSeen)} model ${pct(mAcc, mSeen)}  buckets ${p.buckets}`;
}

export const fuzzCommand: CommandModule<object, FuzzArgs> = {
  command: 'fuzz',
  describe: 'Run a fuzz campaign against the model and kernel verifiers; write findings and a summary',
  builder: (y) => y
    .option('time', { alias: 't', type: 'string', describe: 'stop after this long (60s, 10m, 2h)' })
    .option('count', { alias: 'n', type: 'string', describe: 'stop after this many programs' })
    .option('seed', { type: 'string', describe: 'campaign seed (default: random, printed); same seed and count, same findings' })
    .option('targets', { type: 'string', default: 'model,kernel', describe: 'verifiers to test: model, kernel or both' })
    .option('generators', { alias: 'g', type: 'string', describe: `generator families (default all: ${ALL_FAMILY_NAMES.join(', ')}; mutate draws from the corpus)` })
    .option('out', { alias: 'o', type: 'string', default: 'verifuzz-out', describe: 'directory for summary.json and summary.md' })
    .option('corpus', { type: 'string', describe: 'corpus directory for findings (default <out>/corpus)' })
    .option('minimize', { type: 'boolean', default: true, describe: 'minimize new findings (--no-minimize to skip)' })
    .option('containment', { type: 'boolean', default: true, describe: 'check VM runs against model states (--no-containment to skip)' })
    .option('kernel-states-every', { type: 'string', default: DEFAULT_KERNEL_STATES_EVERY, describe: 'check the kernel\'s own states (level-2 log) on 1 program in N; 0: never' })
    .option('model-budget', { type: 'string', default: DEFAULT_MODEL_INSN_BUDGET, describe: 'processed instructions after which the model gives up on a program (not judged; counted); up to 1000000' })
    .option('workers', { alias: 'j', type: 'string', default: 1, describe: 'worker threads (a crashed worker is reported and replaced)' })
    .option('fail-on-new', { type: 'boolean', default: false, describe: 'exit 1 when the campaign found a bucket not in the corpus' })
    .example('$0 fuzz --time 60s', 'a one-minute campaign against both verifiers')
    .example('$0 fuzz --count 2000 --seed 7 --targets kernel --generators ptr-arith', 'reproducible, kernel only, one family'),
  handler: async (argv) => {
    const timeMs = argv.time !== undefined ? parseDuration(argv.time, '--time') : undefined;
    const count = parseWholeIfGiven('count', argv.count, { min: 0 });
    const seedGiven = parseWholeIfGiven('seed', argv.seed, { min: -(2 ** 53) + 1 });
    const wanted = listOption(argv.targets, ['model', 'kernel'], '--targets');
    const familyNames = argv.generators ? listOption(argv.generators, ALL_FAMILY_NAMES, '--generators') : undefined;
    const corpusDir = path.resolve(argv.corpus ?? path.join(argv.out, 'corpus'));
    const every = parseWhole('kernel-states-every', argv['kernel-states-every'], { min: 0, note: '(0: never)' });
    const budget = parseWhole('model-budget', argv['model-budget'], { min: 1, max: 1_000_000 });
    const parents = corpusPrograms([BUNDLED_CORPUS, corpusDir], { modelInsnBudget: budget });
    const families = campaignFamilies(familyNames, parents);
    if (families.length === 0) throw new UserError('--generators: mutate needs a corpus with programs, and there is none');
    const workers = parseWhole('workers', argv.workers, { min: 1, max: 64 });
    const seed = seedGiven ?? randomInt(0, 2 ** 31);
    const acquired = await acquireForCommand(wanted as TargetName[]);
    const { targets } = acquired;
    const kmsg = targets.kernel ? new KernelMessages() : undefined;
    const controller = new AbortController();
    const onSigint = () => {
      if (controller.signal.aborted) process.exit(130);
      process.stderr.write('\nverifuzz: stopping (Ctrl-C again to abort)\n');
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    const tty = process.stderr.isTTY === true;
    let lastLine = 0;
    process.stderr.write(`verifuzz: campaign seed ${seed}${timeMs !== undefined ? `, ${argv.time}` : ''}${count !== undefined ? `, ${count} programs` : ''}\n`);
    const outDir = path.resolve(argv.out);
    try {
      const summary = await runCampaign({
        seed, families,
        ...(count !== undefined ? { count } : {}),
        ...(timeMs !== undefined ? { timeMs } : (count === undefined ? { timeMs: 60_000 } : {})),
        targets, targetUse: acquired.use,
        outDir, corpusDir, parents, knownCorpora: [BUNDLED_CORPUS],
        minimize: argv.minimize, containment: argv.containment, kernelStatesEvery: every, modelInsnBudget: budget,
        ...(kmsg ? { dmesg: () => kmsg.drain() } : {}),
        signal: controller.signal, workers,
        onWorkerCrash: (i, why) => process.stderr.write(`\nverifuzz: ${workers > 1 ? 'worker crashed' : 'pipeline error'}${i !== undefined ? ` at iteration ${i}` : ''} (${why}); ${workers > 1 ? 'replaced' : 'skipped'}, the campaign goes on\n`),
        onProgress: (p) => {
          if (tty) process.stderr.write(`\r${progressLine(p)}\u001b[K`);
          else if (p.elapsedMs - lastLine >= 10_000) { lastLine = p.elapsedMs; process.stderr.write(`${progressLine(p)}\n`); }
        },
      });
      if (tty) process.stderr.write('\n');
      process.stdout.write(renderSummaryMarkdown(summary));
      process.stdout.write(`\nWrote ${path.join(outDir, 'summary.json')} and summary.md\n`);
      if (argv['fail-on-new'] && summary.findings.some((f) => f.isNew)) process.exitCode = 1;
    } finally {
      process.off('SIGINT', onSigint);
      kmsg?.close();
      acquired.close();
    }
  },
};
