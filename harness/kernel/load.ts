/**
 * Loading a Program into the kernel: BTF (when the program needs it), maps (by index through
 * fd_array), then BPF_PROG_LOAD with a log policy, giving a verdict, the errno, the verifier's
 * one-line reason, insnsProcessed and (on request) the log text.
 *
 * Log policy. `logLevel: 0` (the default) loads once at BPF_LOG_STATS (4): the kernel prints
 * only its error lines and the stats footer, so one cheap load gives verdict, reason and
 * `processed N insns` (bench/kernel.ts measures the cost against level 0). `bare: true` loads at
 * level 0 (verdict and errno only; on a rejection one more load at level 4 fetches the reason;
 * rejections are cheap). `logLevel: 1|2` loads once at that level and returns the log. Any log
 * load that fails with ENOSPC because the buffer was short is retried once with a buffer sized
 * from log_true_size.
 *
 * Invariant: every fd created here is closed before returning unless `keep` is set, in which case
 * the caller owns the returned LoadedProgram and must close() it.
 */
import { encode } from '../isa/codec.ts';
import type { Insn } from '../isa/insn.ts';
import { closeFd } from './syscall.ts';
import { type Program, progTypeId, PROG_FLAGS } from '../isa/program.ts';
import { UserError } from '../errors.ts';
import { OwnedFd, closeAll } from './fd.ts';
import { KernelMap, MapCreateError, createMap } from './maps.ts';
import { LOG_LEVEL, type ProgLoadRequest, type ProgLoadResult, progLoad, progLoadLogged } from './prog-load.ts';
import { buildProgramBtf, programNeedsBtf, type ProgramBtf } from './btf/program-btf.ts';
import { BtfLoadError, loadBtf } from './btf/load.ts';
import { insnsProcessedFromLog, reasonFromLog, verificationTimeUsFromLog } from './log-footer.ts';
import { errnoName } from './capability.ts';
import { LoadedProgram } from './loaded.ts';

export interface KernelLoadOptions {
  /** 0 (verdict, reason, insnsProcessed), 1 or 2 (also the log text). */
  readonly logLevel?: 0 | 1 | 2;
  /** Load at log level 0 only (fastest); the reason is fetched by a second load on reject. */
  readonly bare?: boolean;
  /** Extra prog_flags OR-ed into the program's own (e.g. BPF_F_TEST_REG_INVARIANTS). */
  readonly extraFlags?: number;
  /** Keep the program and its maps loaded (accepted programs only) for test_run. */
  readonly keep?: boolean;
}

export interface KernelLoadResult {
  readonly verdict: 'accept' | 'reject';
  /** 0 on accept. */
  readonly errno: number;
  /** The verifier's one-line reason on reject (or `errno NAME` when the log is empty). */
  readonly error?: string;
  readonly insnsProcessed?: number;
  readonly verificationTimeUs?: number;
  /** The log text when logLevel is 1 or 2. */
  readonly log?: string;
  /** Present when `keep` was set and the program was accepted. */
  readonly loaded?: LoadedProgram;
}

/**
 * prog_flags actually passed: the program's flags, the extra ones, and BPF_F_SLEEPABLE for
 * SYSCALL programs (the kernel refuses non-sleepable ones outright: "Syscall programs can only
 * be sleepable", so a SYSCALL Program means a sleepable one).
 */
export function effectiveProgFlags(p: Program, extra = 0): number {
  let f = (p.flags ?? 0) | extra;
  if (p.progType === 'syscall') f |= PROG_FLAGS.BPF_F_SLEEPABLE;
  return f >>> 0;
}

/** Encoded bytecode per instruction array (Programs are immutable): repeated loads of one
 * program reuse the same bytes, so no fresh memory per load (page faults are costly in this VM). */
const encodedCache = new WeakMap<readonly Insn[], Buffer>();

function encodedInsns(p: Program): Buffer {
  let bytes = encodedCache.get(p.insns);
  if (!bytes) {
    const e = encode(p.insns);
    bytes = Buffer.from(e.buffer, e.byteOffset, e.length);
    encodedCache.set(p.insns, bytes);
  }
  return bytes;
}

let logBuf: Buffer = Buffer.alloc(1 << 16);
const statsBuf = Buffer.alloc(1 << 12);

interface Setup {
  readonly btf?: OwnedFd;
  readonly programBtf?: ProgramBtf;
  readonly maps: KernelMap[];
}

const NO_SETUP: Setup = { maps: [] };

function setup(p: Program): Setup {
  if (p.maps.length === 0 && !programNeedsBtf(p)) return NO_SETUP;
  const programBtf = programNeedsBtf(p) ? buildProgramBtf(p) : undefined;
  let btf: OwnedFd | undefined;
  const maps: KernelMap[] = [];
  try {
    btf = programBtf ? loadBtf(programBtf.bytes) : undefined;
    p.maps.forEach((def, i) => {
      const ids = programBtf?.maps[i];
      maps.push(createMap(def, { name: `vf_map${i}`, ...(ids && btf ? { btf: { btfFd: btf.fd, ...ids } } : {}) }));
    });
  } catch (e) {
    closeAll(maps);
    btf?.close();
    if (e instanceof MapCreateError) throw new UserError(`/maps/${maps.length}: ${e.message}`);
    if (e instanceof BtfLoadError) throw new UserError(`program BTF: ${e.message}`);
    throw e;
  }
  return { ...(btf ? { btf } : {}), ...(programBtf ? { programBtf } : {}), maps };
}

function loadWithLog(base: ProgLoadRequest, level: number, small: boolean): ProgLoadResult {
  const { result, buf } = progLoadLogged(base, level, small ? statsBuf : logBuf);
  if (!small) logBuf = buf;
  return result;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The result without the loaded program; footer facts come from the log's tail (a small
 * string), the reason (rejections only) from the whole log. Built field by field: no spreads. */
function toResult(r: ProgLoadResult, withLog: boolean): Mutable<KernelLoadResult> {
  const out: Mutable<KernelLoadResult> = { verdict: r.fd >= 0 ? 'accept' : 'reject', errno: r.errno };
  if (r.fd < 0) out.error = reasonFromLog(r.log) ?? `bpf() failed with ${errnoName(r.errno)}`;
  if (r.logTail) {
    const insnsProcessed = insnsProcessedFromLog(r.logTail);
    if (insnsProcessed !== undefined) out.insnsProcessed = insnsProcessed;
    const verificationTimeUs = verificationTimeUsFromLog(r.logTail);
    if (verificationTimeUs !== undefined) out.verificationTimeUs = verificationTimeUs;
  }
  if (withLog) out.log = r.log;
  return out;
}

function request(p: Program, s: Setup, extraFlags: number | undefined): ProgLoadRequest {
  const req: Mutable<ProgLoadRequest> = { progType: progTypeId(p.progType), insns: encodedInsns(p), progFlags: effectiveProgFlags(p, extraFlags) };
  if (s.maps.length) req.fdArray = s.maps.map((m) => m.fd);
  if (s.btf) {
    req.btfFd = s.btf.fd;
    req.funcInfo = s.programBtf!.funcInfo;
  }
  return req;
}

/** The log policy of the module comment: one load (two for a rejection in bare mode). */
function loadOnce(req: ProgLoadRequest, opts: KernelLoadOptions): ProgLoadResult {
  const level = opts.logLevel ?? 0;
  if (level > 0) return loadWithLog(req, level, false);
  if (!opts.bare) return loadWithLog(req, LOG_LEVEL.STATS, true);
  const r = progLoad(req);
  if (r.fd >= 0) return r;
  const again = loadWithLog(req, LOG_LEVEL.STATS, true);
  if (again.fd >= 0) closeFd(again.fd);
  return { ...again, fd: -1, errno: r.errno };
}

/** Load `p` with the log policy of the module comment. */
export function loadProgram(p: Program, opts: KernelLoadOptions = {}): KernelLoadResult {
  const s = setup(p);
  let r: ProgLoadResult;
  try {
    r = loadOnce(request(p, s, opts.extraFlags), opts);
  } catch (e) {
    releaseSetup(s);
    throw e;
  }
  const out = toResult(r, (opts.logLevel ?? 0) > 0);
  if (r.fd >= 0 && r.errno === 0 && opts.keep) {
    out.loaded = new LoadedProgram(p, new OwnedFd(r.fd), [...s.maps], s.btf);
    return out;
  }
  if (r.fd >= 0) closeFd(r.fd);
  releaseSetup(s);
  return out;
}

function releaseSetup(s: Setup): void {
  if (s === NO_SETUP) return;
  closeAll(s.maps);
  s.btf?.close();
}
