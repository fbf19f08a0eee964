/**
 * VM throughput, side by side with its baselines:
 * (a) an ALU loop (add, xor, shifts, a back edge; 1,000 iterations x 10 instructions, run 1,000
 *     times = 10M instructions) in the fast VM, the bigint reference interpreter (fewer runs,
 *     same per-instruction rate) and the kernel (BPF_PROG_TEST_RUN with repeat; skipped with a
 *     reason when bpf() is unusable): M instructions/s and ratios;
 * (b) 10,000 fresh 64-instruction programs, each decoded, loaded and run once: microseconds per
 *     program. Targets here: >= 150 M insn/s on (a), <= 3 us per program on (b).
 * Run: npm run bench -- vm   (or npx tsx bench/vm.ts)
 */
import { pathToFileURL } from 'node:url';
import { decode, encode } from '../harness/isa/codec.ts';
import { type Insn, mkInsn } from '../harness/isa/insn.ts';
import type { Program } from '../harness/isa/program.ts';
import { isLoadError, loadVmBytes, loadVmProgram, runVm } from '../harness/vm/index.ts';
import { cpus, loadavg } from 'node:os';
import { randomAluProgram } from '../harness/vm/random-programs.ts';
import { refRun } from '../harness/vm/reference-run.ts';
import { kernelOrSkip } from '../harness/kernel/capability.ts';
import { loadProgram } from '../harness/kernel/load.ts';

const ITER = 1000;
const RUNS = 1000;

/** 2 + 10 * ITER + 1 instructions per run. */
export function aluLoop(iter = ITER): Insn[] {
  return [
    mkInsn(0xb7, 1, 0, 0, iter), mkInsn(0xb7, 2, 0, 0, 0x12345),
    // loop body (10 insns): add, xor, shifts, 32-bit ops, the back edge
    mkInsn(0x0f, 2, 1, 0, 0), mkInsn(0xaf, 3, 2, 0, 0), mkInsn(0x67, 2, 0, 0, 3), mkInsn(0xbf, 4, 2, 0, 0),
    mkInsn(0x77, 4, 0, 0, 7), mkInsn(0x0f, 3, 4, 0, 0), mkInsn(0x04, 5, 0, 0, 1), mkInsn(0xac, 5, 3, 0, 0),
    mkInsn(0x17, 1, 0, 0, 1), mkInsn(0x55, 1, 0, -10, 0),
    mkInsn(0xbf, 0, 3, 0, 0), mkInsn(0x95, 0, 0, 0, 0),
  ];
}
// r3 and r5 are read before written in the body: initialize them first.
const PROGRAM: Program = { progType: 'socket_filter', insns: [mkInsn(0xb7, 3, 0, 0, 7), mkInsn(0xb7, 5, 0, 0, 0), ...aluLoop()], maps: [] };
const INSNS_PER_RUN = 6 + 10 * ITER; // 4 movs + 10 per iteration + mov + exit

const now = (): number => performance.now();
const fmt = (x: number): string => x.toFixed(1);

function fastVm(): { mips: number; cpuMips: number; r0: bigint; count: number } {
  const vp = loadVmProgram(PROGRAM);
  if (isLoadError(vp)) throw new Error(vp.message);
  const packet = new Uint8Array(64);
  for (let i = 0; i < 300; i++) runVm(vp, { packet }); // warm-up
  let r0 = 0n;
  let count = 0;
  const t0 = now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < RUNS; i++) {
    const r = runVm(vp, { packet });
    if (r.kind !== 'ok') throw new Error(r.fault.message);
    r0 = r.r0; count += r.insnCount;
  }
  const c = process.cpuUsage(c0);
  return { mips: count / ((now() - t0) * 1000), cpuMips: count / (c.user + c.system), r0, count };
}

function reference(): { mips: number; r0: bigint } {
  const runs = 20;
  let r0 = 0n;
  let count = 0;
  refRun(PROGRAM.insns);
  const t0 = now();
  for (let i = 0; i < runs; i++) {
    const r = refRun(PROGRAM.insns);
    if (r.kind !== 'ok') throw new Error(r.message);
    r0 = r.r0; count += r.insnCount;
  }
  return { mips: count / ((now() - t0) * 1000), r0 };
}

function kernel(perRun: number): { mips: number; retval: number } | string {
  const k = kernelOrSkip();
  if (!k.available) return k.reason;
  const res = loadProgram(PROGRAM, { keep: true, bare: true });
  if (res.verdict !== 'accept' || !res.loaded) return `kernel verifier rejected the loop: ${res.error}`;
  try {
    const data = new Uint8Array(64);
    res.loaded.run({ data, repeat: 10 });
    const r = res.loaded.run({ data, repeat: RUNS });
    if (r.errno !== 0) return `test_run failed with errno ${r.errno}`;
    return { mips: perRun / r.durationNs * 1000, retval: r.retval >>> 0 };
  } finally {
    res.loaded.close();
  }
}

/**
 * Microseconds per program (wall, CPU) and page faults per program, each of `blobs` decoded,
 * loaded and run once; `viaInsns` decodes to Insn objects first. Page faults are worth watching here: one costs about
 * 15 us on this VM, so memory a load or run touches for the first time shows at once.
 */
function freshPrograms(blobs: readonly Uint8Array[], viaInsns: boolean): { wall: number; cpu: number; faults: number } {
  const n = blobs.length;
  const packet = new Uint8Array(64);
  const once = (b: Uint8Array): void => {
    const vp = viaInsns ? loadVmProgram({ progType: 'socket_filter', insns: decode(b), maps: [] }) : loadVmBytes(b, 'socket_filter');
    if (isLoadError(vp)) throw new Error(vp.message);
    const r = runVm(vp, { packet });
    if (r.kind !== 'ok') throw new Error(r.fault.message);
  };
  for (let i = 0; i < 2000; i++) once(blobs[(i * 7919) % n]!); // warm-up
  const f0 = process.resourceUsage().minorPageFault;
  const t0 = now();
  const c0 = process.cpuUsage();
  for (const b of blobs) once(b);
  const c = process.cpuUsage(c0);
  const faults = (process.resourceUsage().minorPageFault - f0) / n;
  return { wall: ((now() - t0) * 1000) / n, cpu: (c.user + c.system) / n, faults };
}

/** The median of three measurements (the machine is shared and noisy). */
function median3<T>(f: () => T, key: (t: T) => number): T {
  const xs = [f(), f(), f()].sort((a, b) => key(a) - key(b));
  return xs[1]!;
}

export function main(): void {
  const fast = median3(fastVm, (r) => r.cpuMips);
  if (fast.count !== RUNS * INSNS_PER_RUN) throw new Error(`unexpected instruction count ${fast.count}`);
  const ref = reference();
  if (ref.r0 !== fast.r0) throw new Error(`reference r0 ${ref.r0} != fast r0 ${fast.r0}`);
  const k = kernel(INSNS_PER_RUN);
  console.log(`(a) ALU loop, ${INSNS_PER_RUN} insns per run (${(RUNS * INSNS_PER_RUN / 1e6).toFixed(1)}M insns in the fast VM)`);
  console.log(`    fast VM          ${fmt(fast.mips).padStart(8)} M insn/s   (per CPU second: ${fmt(fast.cpuMips)}; target >= 150)`);
  console.log(`    reference bigint ${fmt(ref.mips).padStart(8)} M insn/s   fast/reference = ${fmt(fast.mips / ref.mips)}x`);
  if (typeof k === 'string') console.log(`    kernel (JIT)     skipped: ${k}`);
  else {
    if (k.retval !== Number(fast.r0 & 0xffffffffn)) throw new Error(`kernel retval ${k.retval} != VM r0 ${fast.r0}`);
    console.log(`    kernel (JIT)     ${fmt(k.mips).padStart(8)} M insn/s   kernel/fast = ${fmt(k.mips / fast.mips)}x (retval agrees)`);
  }
  // The 10,000 programs are generated once (their generation is not what is measured, and its
  // garbage would be collected during the measurements); every round decodes, loads and runs
  // each of them afresh (the VM caches nothing by content).
  const blobs = Array.from({ length: 10_000 }, (_, i) => encode(randomAluProgram(i, 41)));
  // Warm both paths to a steady state before measuring: the JIT, and the malloc heap under the
  // slabs that hold code words (slab.ts), which grows during the first ~20,000 loads.
  for (let i = 0; i < 3; i++) { freshPrograms(blobs, false); freshPrograms(blobs, true); }
  const bytes = median3(() => freshPrograms(blobs, false), (r) => r.cpu);
  const insns = median3(() => freshPrograms(blobs, true), (r) => r.cpu);
  console.log('(b) 10,000 fresh 64-insn programs, each decoded, loaded and run once (target <= 3 us/program)');
  const faults = (r: { faults: number }): string => `${r.faults.toFixed(2)} page faults/program`;
  console.log(`    bytes -> code words (loadVmBytes)      ${bytes.wall.toFixed(2).padStart(7)} us/program wall, ${bytes.cpu.toFixed(2)} us CPU, ${faults(bytes)}`);
  console.log(`    bytes -> Insn[] -> code (loadVmProgram) ${insns.wall.toFixed(2).padStart(6)} us/program wall, ${insns.cpu.toFixed(2)} us CPU, ${faults(insns)}`);
  console.log(`    machine load average: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs (numbers are wall/CPU time under that load)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
