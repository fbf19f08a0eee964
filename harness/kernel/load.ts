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
 * Cost. On this VM the few microseconds of JS around a ~100 us load run with cold caches, so
 * a load does only what its result needs (bench/kernel.ts: within a few % of a bare syscall
 * loop on every row): the per-Program request is cached, the footer numbers are read from the
 * log bytes, the log is decoded to text only at level 1/2 (what the caller asked for) or for a
 * rejection's reason.
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
import { LOG_LEVEL, type ProgLoadRequest, type RawProgLoad, progLoadRaw, progLoadLoggedRaw } from './prog-load.ts';
import { decodeLog, readFooter } from './log-text.ts';
import { buildProgramBtf, programNeedsBtf, type ProgramBtf } from './btf/program-btf.ts';
import { BtfLoadError, loadBtf } from './btf/load.ts';
import { reasonFromLog } from './log-footer.ts';
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

/**
 * What a program's loads share, computed once per Program object (Programs are immutable; a hit
 * is also checked against the insns and maps arrays): the encoded bytes (no fresh memory per
 * load), whether it needs program BTF (a scan of the instructions), and, for a program without
 * maps or BTF, the whole load request of its last flags.
 */
interface Prepared {
  readonly insns: readonly Insn[];
  readonly maps: Program['maps'];
  readonly bytes: Buffer;
  readonly needsBtf: boolean;
  request?: ProgLoadRequest;
}

const preparedCache = new WeakMap<Program, Prepared>();
/** The last program's entry, checked before the WeakMap (a program is often loaded repeatedly:
 * verdict, log, run). */
let last: { p: Program; prep: Prepared } | undefined;

function prepared(p: Program): Prepared {
  const hit = last?.p === p ? last.prep : preparedCache.get(p);
  if (hit && hit.insns === p.insns && hit.maps === p.maps) {
    if (last?.p !== p) last = { p, prep: hit };
    return hit;
  }
  const e = encode(p.insns);
  const prep: Prepared = { insns: p.insns, maps: p.maps, bytes: Buffer.from(e.buffer, e.byteOffset, e.length), needsBtf: programNeedsBtf(p) };
  preparedCache.set(p, prep);
  last = { p, prep };
  return prep;
}

let logBuf: Buffer = Buffer.alloc(1 << 16);
const statsBuf = Buffer.alloc(1 << 12);

interface Setup {
  readonly btf?: OwnedFd;
  readonly programBtf?: ProgramBtf;
  readonly maps: KernelMap[];
}

const NO_SETUP: Setup = { maps: [] };

function setup(p: Program, prep: Prepared): Setup {
  if (p.maps.length === 0 && !prep.needsBtf) return NO_SETUP;
  const programBtf = prep.needsBtf ? buildProgramBtf(p) : undefined;
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

/** A log load into the stats buffer (`small`) or the growing log buffer. */
function loadWithLog(req: ProgLoadRequest, level: number, small: boolean): RawProgLoad {
  const r = progLoadLoggedRaw(req, level, small ? statsBuf : logBuf);
  if (!small && r.logBuf) logBuf = r.logBuf;
  return r;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The result without the loaded program, decoding only what is asked for: footer facts from the
 * log's bytes, the log text at level 1/2, the reason on a rejection. An accepted load at level 0
 * or in the default mode allocates nothing but this object.
 */
function toResult(r: RawProgLoad, withLog: boolean): Mutable<KernelLoadResult> {
  const out: Mutable<KernelLoadResult> = { verdict: r.fd >= 0 ? 'accept' : 'reject', errno: r.errno };
  const buf = r.logBuf;
  const text = buf && r.logLen > 0 && (withLog || r.fd < 0) ? decodeLog(buf, r.logLen) : '';
  if (r.fd < 0) out.error = reasonFromLog(text) ?? `bpf() failed with ${errnoName(r.errno)}`;
  if (buf && r.logLen > 0) readFooter(buf, r.logLen, out, (r.logLevel & LOG_LEVEL.STATS) !== 0);
  if (withLog) out.log = text;
  return out;
}

function request(p: Program, prep: Prepared, s: Setup, extraFlags: number | undefined): ProgLoadRequest {
  const progFlags = effectiveProgFlags(p, extraFlags);
  if (s === NO_SETUP && prep.request?.progFlags === progFlags) return prep.request;
  const req: Mutable<ProgLoadRequest> = { progType: progTypeId(p.progType), insns: prep.bytes, progFlags };
  if (s.maps.length) req.fdArray = s.maps.map((m) => m.fd);
  if (s.btf) {
    req.btfFd = s.btf.fd;
    req.funcInfo = s.programBtf!.funcInfo;
  }
  if (s === NO_SETUP) prep.request = req;
  return req;
}

/** The log policy of the module comment: one load (two for a rejection in bare mode). */
function loadOnce(req: ProgLoadRequest, opts: KernelLoadOptions): RawProgLoad {
  const level = opts.logLevel ?? 0;
  if (level > 0) return loadWithLog(req, level, false);
  if (!opts.bare) return loadWithLog(req, LOG_LEVEL.STATS, true);
  const r = progLoadRaw(req);
  if (r.fd >= 0) return r;
  const again = loadWithLog(req, LOG_LEVEL.STATS, true);
  if (again.fd >= 0) closeFd(again.fd);
  return { ...again, fd: -1, errno: r.errno };
}

/** Load `p` with the log policy of the module comment. */
export function loadProgram(p: Program, opts: KernelLoadOptions = {}): KernelLoadResult {
  const prep = prepared(p);
  const s = setup(p, prep);
  let r: RawProgLoad;
  try {
    r = loadOnce(request(p, prep, s, opts.extraFlags), opts);
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
