/**
 * Verifier log parser and renderer throughput on the repository's level-2 fixture logs
 * (harness/kernel/log/fixtures), repeated into a ~100k-line log, side by side with a baseline that
 * does the least any line parser must do (split into lines, one regex per line). Prints lines/s
 * and the ratio to the baseline. Run: `npx tsx bench/log.ts` or `npm run bench -- log`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseVerifierLog } from '../harness/kernel/log/parse.ts';
import { renderLog } from '../harness/verifier/log.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../harness/kernel/log/fixtures');

function corpus(targetLines: number): string {
  const logs = readdirSync(FIXTURES).filter((f) => f.endsWith('.L2.log')).map((f) => readFileSync(path.join(FIXTURES, f), 'latin1'));
  const one = logs.join('');
  const per = one.split('\n').length - 1;
  return one.repeat(Math.max(1, Math.ceil(targetLines / per)));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => unknown, runs = 7): number {
  fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(ms);
}

export function main(): void {
  const text = corpus(100_000);
  const lines = text.split('\n').length - 1;
  const baseline = time(() => {
    let n = 0;
    for (const l of text.split('\n')) if (/^(\d+): \(([0-9a-f]{2})\) /.test(l)) n++;
    return n;
  });
  const parse = time(() => parseVerifierLog(text));
  const events = parseVerifierLog(text).events;
  const render = time(() => renderLog(events));
  const rate = (ms: number): string => `${Math.round(lines / (ms / 1000)).toLocaleString('en-US')} lines/s`;
  console.log(`log: ${lines} lines (fixture level-2 logs repeated), median of 7 runs`);
  console.log(`  baseline split + 1 regex/line: ${baseline.toFixed(1)} ms  ${rate(baseline)}`);
  console.log(`  parseVerifierLog:              ${parse.toFixed(1)} ms  ${rate(parse)}  (${(parse / baseline).toFixed(1)}x baseline)`);
  console.log(`  renderLog:                     ${render.toFixed(1)} ms  ${rate(render)}  (${(render / baseline).toFixed(1)}x baseline)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
