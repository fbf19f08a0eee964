/**
 * Kernel load throughput through our target vs a bare loop of syscalls.
 *
 * Programs (kernel-facts.md section 3): (a) 2 insns, (b) 50 straight-line insns, (c) ~196 branchy
 * insns (~3,050 processed). For each log level 0, 1, 2: loads/s through `loadProgram` (the whole
 * target layer: encode, setup, log policy, footer parsing, close) side by side with a bare loop
 * (one prebuilt attr, koffi syscall + close, nothing else), interleaved run by run; the ratio is
 * the median of the per-pair ratios. Level 0 is shown twice: the target's `bare` mode (log level 0, like the raw loop)
 * and its default mode (one load at BPF_LOG_STATS = 4, which also yields the reason and
 * insnsProcessed) -- the second ratio is the price of that choice, not overhead. At levels 1
 * and 2 a last column compares with a bare loop that also decodes the log to a string (the
 * target returns the log text; for the branchy program at level 2 that is ~850 KB per load).
 *
 * It first prints the cost of the target layer alone (bpf() stubbed), which does not depend on
 * the machine's load. Run: `npx tsx bench/kernel.ts` or `npm run bench -- kernel`
 * (BENCH_RUNS=N, BENCH_LAYER_ONLY=1). Target: overhead under 10%.
 */
import { encode } from '../harness/isa/codec.ts';
import type { Program } from '../harness/isa/program.ts';
import { kernelOrSkip } from '../harness/kernel/capability.ts';
import { PROG_LOAD, PROG_LOAD_SIZE, u32, u64 } from '../harness/kernel/attr.ts';
import { BPF_CMD, addressOf, closeFd, sysBpf, withBpfStub } from '../harness/kernel/syscall.ts';
import { LICENSE_GPL } from '../harness/kernel/prog-load.ts';
import { loadProgram, type KernelLoadOptions } from '../harness/kernel/load.ts';
import { branchyProgram, straightProgram, tinyProgram } from '../harness/kernel/sample-programs.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);

interface Case { name: string; program: Program; perRun: number }

/** The bare loop: a prebuilt attr, the syscall, close (and, with `decode`, the log buffer
 * decoded to a string, which the target must do to return the log). Returns loads/s. */
function rawLoop(p: Program, level: number, n: number, decode = false): number {
  const insns = Buffer.from(encode(p.insns));
  const log = Buffer.alloc(level ? 4 << 20 : 0);
  const attr = Buffer.alloc(PROG_LOAD_SIZE);
  u32(attr, PROG_LOAD.prog_type, 1);
  u32(attr, PROG_LOAD.insn_cnt, insns.length / 8);
  u64(attr, PROG_LOAD.insns, addressOf(insns));
  u64(attr, PROG_LOAD.license, addressOf(LICENSE_GPL));
  if (level) {
    u32(attr, PROG_LOAD.log_level, level);
    u32(attr, PROG_LOAD.log_size, log.length);
    u64(attr, PROG_LOAD.log_buf, addressOf(log));
  }
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = sysBpf(BPF_CMD.PROG_LOAD, attr, PROG_LOAD_SIZE);
    if (r.ret < 0) throw new Error(`raw load failed: errno ${r.errno}`);
    closeFd(r.ret);
    if (decode) log.toString('utf8', 0, log.indexOf(0));
  }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

function targetLoop(p: Program, opts: KernelLoadOptions, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    if (loadProgram(p, opts).verdict !== 'accept') throw new Error('target load rejected');
  }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Interleaved pairs (order alternating); the ratio is the median of per-pair ratios, which
 * cancels most of the drift of a shared machine. */
function measure(c: Case, rawLevel: number, opts: KernelLoadOptions, perRun: number): { raw: number; target: number; ratio: number; decodedRatio?: number } {
  const decode = rawLevel > 0;
  rawLoop(c.program, rawLevel, Math.min(50, perRun));
  targetLoop(c.program, opts, Math.min(50, perRun));
  const raw: number[] = [];
  const rawDecoded: number[] = [];
  const target: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    if (r % 2) target.push(targetLoop(c.program, opts, perRun));
    raw.push(rawLoop(c.program, rawLevel, perRun));
    if (decode) rawDecoded.push(rawLoop(c.program, rawLevel, perRun, true));
    if (r % 2 === 0) target.push(targetLoop(c.program, opts, perRun));
  }
  return {
    raw: median(raw), target: median(target), ratio: median(raw.map((x, i) => x / target[i]!)),
    ...(decode ? { decodedRatio: median(rawDecoded.map((x, i) => x / target[i]!)) } : {}),
  };
}

const ROWS: { label: string; rawLevel: number; opts: KernelLoadOptions; scale: number }[] = [
  { label: 'level 0 (bare)', rawLevel: 0, opts: { bare: true }, scale: 1 },
  { label: 'level 0 (default: stats)', rawLevel: 0, opts: {}, scale: 1 },
  { label: 'level 1', rawLevel: 1, opts: { logLevel: 1 }, scale: 0.5 },
  { label: 'level 2', rawLevel: 2, opts: { logLevel: 2 }, scale: 0.5 },
];

/** Microseconds per load spent in the target layer alone: bpf() stubbed to return a fake fd. */
function layerCostUs(p: Program, opts: KernelLoadOptions, n: number): number {
  const fake = (): { ret: number; errno: number } => ({ ret: 1 << 20, errno: 0 });
  return withBpfStub(fake, () => {
    targetLoop(p, opts, Math.min(n, 1000));
    const samples: number[] = [];
    for (let r = 0; r < RUNS; r++) samples.push(1e6 / targetLoop(p, opts, n));
    return median(samples);
  });
}

export function main(): void {
  const k = kernelOrSkip();
  if (!k.available) {
    console.log(`bench/kernel: skipped: ${k.reason}`);
    return;
  }
  const cases: Case[] = [
    { name: '(a) 2 insns', program: tinyProgram(), perRun: 400 },
    { name: '(b) 50 insns', program: straightProgram(), perRun: 400 },
    { name: '(c) branchy', program: branchyProgram(), perRun: 60 },
  ];
  console.log('target layer alone (bpf() stubbed), microseconds per load:');
  for (const c of cases) {
    const us = ROWS.map((row) => `${row.label} ${layerCostUs(c.program, row.opts, 5000).toFixed(1)}`).join(', ');
    console.log(`  ${c.name}: ${us}`);
  }
  if (process.env.BENCH_LAYER_ONLY === '1') return;
  console.log(`loads/s, median of ${RUNS} interleaved runs; raw/target = median of per-pair ratios (noise on this VM is +-30%)`);
  console.log('program        | mode                     |   raw/s | target/s | raw/target | overhead | vs raw+log decode');
  for (const c of cases) {
    for (const row of ROWS) {
      const n = Math.max(20, Math.round(c.perRun * row.scale));
      const m = measure(c, row.rawLevel, row.opts, n);
      const ratio = m.ratio;
      const dec = m.decodedRatio !== undefined ? `${((m.decodedRatio - 1) * 100).toFixed(1).padStart(6)}%` : '     -';
      console.log(`${c.name.padEnd(14)} | ${row.label.padEnd(24)} | ${m.raw.toFixed(0).padStart(7)} | ${m.target.toFixed(0).padStart(8)} | ${ratio.toFixed(3).padStart(10)} | ${((ratio - 1) * 100).toFixed(1).padStart(7)}% | ${dec}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
