/**
 * The kernel as a verifuzz Target: verify = load (see load.ts for the log policy), run = load,
 * BPF_PROG_TEST_RUN, read maps back. Structured states come from the log parser that the caller
 * passes in (harness/kernel/log/, engineer C2) so this module does not depend on it.
 *
 * Invariant: creating the target checks the capability (UnavailableError with the one-line
 * reason when bpf() is unusable); every call closes what it loaded.
 */
import type { Program } from '../isa/program.ts';
import type { LogEvent } from '../verifier/state/log-state.ts';
import type { RunInput, RunResult, Target, VerifyOptions, VerifyResult } from '../targets.ts';
import { requireKernel, errnoName } from './capability.ts';
import { loadProgram } from './load.ts';
import { defaultRunInput } from './loaded.ts';
import type { KernelMap } from './maps.ts';

export interface KernelTargetOptions {
  /** Parses a level-2 log into events (C2's parser); without it `states` yields no events. */
  readonly parseLog?: (log: string) => readonly LogEvent[];
  /** Entries read back per array-like map after a run (default 64). */
  readonly mapReadLimit?: number;
}

const ARRAY_LIKE = new Set(['array', 'percpu_array']);

function readMaps(maps: readonly KernelMap[], limit: number): ((Uint8Array | undefined)[] | undefined)[] {
  return maps.map((m) => {
    if (!ARRAY_LIKE.has(m.def.type)) return undefined;
    const n = Math.min(m.def.maxEntries, limit);
    const key = new Uint8Array(4);
    return Array.from({ length: n }, (_, i) => {
      new DataView(key.buffer).setUint32(0, i, true);
      return m.lookup(key);
    });
  });
}

export class KernelTarget implements Target {
  readonly name = 'kernel' as const;
  readonly #opts: KernelTargetOptions;

  constructor(opts: KernelTargetOptions = {}) {
    requireKernel();
    this.#opts = opts;
  }

  verify(program: Program, options: VerifyOptions = {}): VerifyResult {
    const logLevel = options.states ? 2 : (options.logLevel ?? 0);
    const r = loadProgram(program, options.extraFlags ? { logLevel, extraFlags: options.extraFlags } : { logLevel });
    const stats: { insnsProcessed?: number; verificationTimeUs?: number } = {};
    if (r.insnsProcessed !== undefined) stats.insnsProcessed = r.insnsProcessed;
    if (r.verificationTimeUs !== undefined) stats.verificationTimeUs = r.verificationTimeUs;
    // Field by field (no spreads), in the order callers have always seen: ..., error, stats, log, events.
    const out = { target: 'kernel', verdict: r.verdict, errno: r.errno } as { -readonly [K in keyof VerifyResult]: VerifyResult[K] };
    if (r.error !== undefined) out.error = r.error;
    out.stats = stats;
    if (r.log !== undefined) out.log = r.log;
    if (options.states && r.log !== undefined && this.#opts.parseLog) out.events = this.#opts.parseLog(r.log);
    return out;
  }

  /** Caller's contract (targets.ts): only programs the kernel accepted and our VM ran cleanly. */
  run(program: Program, input?: RunInput): RunResult {
    const r = loadProgram(program, { keep: true });
    if (!r.loaded) return { target: 'kernel', error: r.error ?? 'rejected', errno: r.errno };
    try {
      const run = r.loaded.run(input ?? defaultRunInput(program.progType));
      if (run.errno) return { target: 'kernel', error: `BPF_PROG_TEST_RUN failed with ${errnoName(run.errno)}`, errno: run.errno };
      return {
        target: 'kernel', retval: run.retval,
        ...(run.dataOut ? { dataOut: run.dataOut } : {}),
        ...(run.ctxOut ? { ctxOut: run.ctxOut } : {}),
        maps: readMaps(r.loaded.maps, this.#opts.mapReadLimit ?? 64),
      };
    } finally {
      r.loaded.close();
    }
  }
}

export function createKernelTarget(opts: KernelTargetOptions = {}): KernelTarget {
  return new KernelTarget(opts);
}
