/**
 * Model verifier throughput against the kernel's (log level 0), side by side: programs per
 * second on the three program shapes of kernel-facts.md section 3 and on a mix of generated
 * programs, and the ratio model/kernel (>= 1.0: the model verifies faster than the kernel loads).
 * Also compares `processed N insns` of both. Run: `npm run bench -- verify` or
 * `npx tsx bench/verify.ts`.
 */
import { fileURLToPath } from 'node:url';
import { generate } from '../generators/index.ts';
import type { Program } from '../harness/isa/program.ts';
import { kernelOrSkip } from '../harness/kernel/capability.ts';
import { loadProgram } from '../harness/kernel/load.ts';
import { branchyProgram, straightProgram, tinyProgram } from '../harness/kernel/sample-programs.ts';
import { verify } from '../harness/verifier/index.ts';

/** Median of `reps` runs of `fn` over the set, in programs per second. */
function rate(progs: readonly Program[], fn: (p: Program) => void, minMs = 400, reps = 5): number {
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    let n = 0;
    const t0 = performance.now();
    do { for (const p of progs) { fn(p); n++; } } while (performance.now() - t0 < minMs);
    rates.push((n * 1000) / (performance.now() - t0));
  }
  return rates.sort((a, b) => a - b)[Math.floor(reps / 2)]!;
}

export function main(): void {
  const k = kernelOrSkip();
  const mix = Array.from({ length: 200 }, (_, i) => generate('bench-verify', i).program).filter((p) => !verify(p).unsupported);
  const shapes: [string, Program[]][] = [
    ['(a) 2 insns', [tinyProgram()]],
    ['(b) 50 insns straight-line', [straightProgram()]],
    ['(c) 196 insns branchy', [branchyProgram()]],
    [`random mix (${mix.length} generated)`, mix],
  ];
  console.log(`kernel: ${k.available ? 'available' : `unavailable (${k.reason})`}`);
  console.log('shape                              model/s    kernel/s   ratio   processed model/kernel');
  for (const [name, progs] of shapes) {
    for (const p of progs) verify(p); // warm-up
    const m = rate(progs, (p) => verify(p));
    const kr = k.available ? rate(progs, (p) => loadProgram(p, { bare: true })) : NaN;
    const pm = progs.reduce((s, p) => s + verify(p).insnsProcessed, 0);
    const pk = k.available ? progs.reduce((s, p) => s + (loadProgram(p, { logLevel: 1 }).insnsProcessed ?? 0), 0) : NaN;
    console.log(`${name.padEnd(34)} ${m.toFixed(0).padStart(8)} ${kr.toFixed(0).padStart(10)} ${(m / kr).toFixed(2).padStart(7)}   ${pm}/${pk}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
