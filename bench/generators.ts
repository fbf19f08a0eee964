/**
 * Generation cost per program: the campaign's path (a seeded alea PRNG per iteration,
 * generators/index.ts `generate`) side by side with the baseline it replaced (fast-check's
 * fc.sample of the same families, seeded per iteration), and the ratio. Also the minimizer's
 * cost against a cheap synthetic predicate. `npm run bench -- generators`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { FAMILIES, generate, mixArbitrary } from '../generators/index.ts';
import { minimize } from '../corpus/minimize.ts';

function perProgramMs(n: number, f: (i: number) => unknown): number {
  for (let i = 0; i < 50; i++) f(i); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f(i);
  return (performance.now() - t0) / n;
}

export function main(): void {
  const n = 2000;
  const prng = perProgramMs(n, (i) => generate(7, i));
  const arb = mixArbitrary(FAMILIES);
  const sample = perProgramMs(n / 10, (i) => fc.sample(arb, { seed: i, numRuns: 1 }));
  console.log(`generate (alea PRNG):     ${(prng * 1000).toFixed(1)} us/program (${Math.round(1000 / prng)} programs/s)`);
  console.log(`baseline fc.sample:       ${(sample * 1000).toFixed(1)} us/program (${Math.round(1000 / sample)} programs/s)`);
  console.log(`ratio baseline/PRNG:      ${(sample / prng).toFixed(1)}x`);

  const progs = Array.from({ length: 100 }, (_, i) => generate(11, i).program);
  const exitOnly = (p: { insns: readonly { code: number }[] }): boolean => p.insns.some((x) => x.code === 0x95);
  let tests = 0;
  let before = 0;
  let after = 0;
  const t0 = performance.now();
  for (const p of progs) {
    const r = minimize(p, exitOnly);
    tests += r.tests;
    before += p.insns.length;
    after += r.program.insns.length;
  }
  const ms = (performance.now() - t0) / progs.length;
  console.log(`minimize (predicate "has an exit"): ${(before / progs.length).toFixed(1)} -> ${(after / progs.length).toFixed(1)} insns, ${(tests / progs.length).toFixed(0)} predicate calls, ${ms.toFixed(2)} ms/program of harness overhead`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
