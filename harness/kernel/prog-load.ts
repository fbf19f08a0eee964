/**
 * BPF_PROG_LOAD, one syscall: bytes in, fd or errno plus the log out. No policy here (which
 * log level, retries, maps): that is load.ts.
 *
 * Two layers: `progLoadRaw` leaves the log in the caller's buffer (its length in the result),
 * `progLoad` also decodes it to text. load.ts uses the raw layer and decodes only what its
 * caller needs: on this VM every byte a load allocates on the JS heap costs more than the byte
 * count suggests (see bench/kernel.ts), so the hot path allocates almost nothing.
 *
 * Invariant: the attr buffer is module-owned and reused (re-zeroed each call); all pointer
 * fields reference Buffers held in locals until the syscall returns; the fields a load may
 * leave behind are the optional ones (re-zeroed before the next load) and log_true_size (the
 * kernel's output, zeroed before every load). The returned fd is owned
 * by the caller (wrap it in OwnedFd or close it). The addresses of the last instruction, log
 * and license buffers are remembered as two u32 halves (a Buffer's memory does not move once
 * its address was taken: koffi externalizes it), so a repeated load does no koffi.address and
 * no BigInt arithmetic.
 */
import { PROG_LOAD as F, PROG_LOAD_SIZE, name16, u32, u64 } from './attr.ts';
import { BPF_CMD, addressOf, sysBpf } from './syscall.ts';
import { TAIL_BYTES, decodeLog, logTail, logTextLength } from './log-text.ts';

export const LICENSE_GPL = Buffer.from('GPL\0', 'latin1');

/** log_level bits. */
export const LOG_LEVEL = { NONE: 0, LEVEL1: 1, LEVEL2: 2, STATS: 4, FIXED: 8 } as const;

export interface FuncInfoRec {
  readonly insnOff: number;
  readonly typeId: number;
}

export interface ProgLoadRequest {
  readonly progType: number;
  /** Encoded bytecode, 8 bytes per slot. */
  readonly insns: Uint8Array;
  readonly progFlags?: number;
  readonly logLevel?: number;
  /** Log buffer; required when logLevel != 0 (the kernel refuses a buffer with level 0). */
  readonly logBuf?: Buffer;
  /** fds for BPF_PSEUDO_MAP_IDX(_VALUE) (src_reg 5/6) and kfunc module BTF fds. */
  readonly fdArray?: readonly number[];
  readonly btfFd?: number;
  readonly funcInfo?: readonly FuncInfoRec[];
  readonly expectedAttachType?: number;
  readonly attachBtfId?: number;
  readonly attachFd?: number;
  readonly name?: string;
}

export interface ProgLoadResult {
  /** fd (>= 0) on success, -1 on failure. */
  readonly fd: number;
  readonly errno: number;
  /** The log text (empty when logLevel is 0). */
  readonly log: string;
  /** The log's last lines (up to 1 KiB, where the stats footer is), a small flat string: read
   * footer facts from it, not from `log` (which may be a rope that a regex would flatten). */
  readonly logTail: string;
  /** log_true_size as the kernel reported it (bytes needed including the NUL). */
  readonly logTrueSize: number;
}

/** progLoadRaw's result: the log stays in `logBuf` (valid until that buffer's next load). */
export interface RawProgLoad {
  /** fd (>= 0) on success, -1 on failure. */
  readonly fd: number;
  readonly errno: number;
  /** The log level of the load (0: no log). */
  readonly logLevel: number;
  /** The buffer the kernel wrote the log into (undefined at log level 0). */
  readonly logBuf: Buffer | undefined;
  /** Bytes of log text in `logBuf` (up to its first NUL). */
  readonly logLen: number;
  /** log_true_size as the kernel reported it (bytes needed including the NUL). */
  readonly logTrueSize: number;
}

const attr = Buffer.alloc(PROG_LOAD_SIZE);
/** u32 view of attr: every PROG_LOAD field is 4-byte aligned. */
const a32 = new Uint32Array(attr.buffer, attr.byteOffset, PROG_LOAD_SIZE / 4);
/** Whether the last load wrote a field beyond the always-written ones (then re-zero attr). */
let optionalWritten = true;

function int32Array(values: readonly number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeInt32LE(v | 0, i * 4));
  return b;
}

function funcInfoBytes(recs: readonly FuncInfoRec[]): Buffer {
  const b = Buffer.alloc(recs.length * 8);
  recs.forEach((r, i) => { b.writeUInt32LE(r.insnOff, i * 8); b.writeUInt32LE(r.typeId, i * 8 + 4); });
  return b;
}

/** A buffer and its address as u32 halves, remembered: one koffi.address per new buffer. */
class AddressCache {
  #buf: Buffer | undefined;
  #lo = 0;
  #hi = 0;
  /** Write the address of `buf` into the u64 field at byte offset `off` of attr. */
  write(off: number, buf: Buffer): void {
    if (buf !== this.#buf) {
      const addr = addressOf(buf);
      this.#lo = Number(addr & 0xffffffffn);
      this.#hi = Number(addr >> 32n);
      this.#buf = buf;
    }
    a32[off >> 2] = this.#lo;
    a32[(off >> 2) + 1] = this.#hi;
  }
}

const insnsAddr = new AddressCache();
const logAddr = new AddressCache();
const licenseAddr = new AddressCache();

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length);
}

const hasOptional = (req: ProgLoadRequest): boolean => !!(req.name || req.expectedAttachType || req.attachBtfId || req.attachFd
  || (req.btfFd !== undefined && req.btfFd >= 0) || req.funcInfo?.length || req.fdArray?.length);

/** The fields most loads set only; every one of them is written on every load. */
function fillBase(req: ProgLoadRequest, insns: Buffer, level: number, logBuf: Buffer | undefined): void {
  a32[F.prog_type >> 2] = req.progType;
  a32[F.insn_cnt >> 2] = insns.length / 8;
  insnsAddr.write(F.insns, insns);
  licenseAddr.write(F.license, LICENSE_GPL);
  a32[F.prog_flags >> 2] = req.progFlags ?? 0;
  a32[F.log_true_size >> 2] = 0;
  if (logBuf) {
    logBuf[0] = 0;
    a32[F.log_level >> 2] = level;
    a32[F.log_size >> 2] = logBuf.length;
    logAddr.write(F.log_buf, logBuf);
  } else {
    a32[F.log_level >> 2] = 0;
    a32[F.log_size >> 2] = 0;
    a32[F.log_buf >> 2] = 0;
    a32[(F.log_buf >> 2) + 1] = 0;
  }
}

/** The rarer fields (maps, BTF, attach targets, name); returns the side buffers they point to. */
function fillOptional(req: ProgLoadRequest): [Buffer?, Buffer?] {
  const fdArray = req.fdArray && req.fdArray.length ? int32Array(req.fdArray) : undefined;
  const funcInfo = req.funcInfo && req.funcInfo.length ? funcInfoBytes(req.funcInfo) : undefined;
  if (req.name) name16(attr, F.prog_name, req.name);
  if (req.expectedAttachType) u32(attr, F.expected_attach_type, req.expectedAttachType);
  if (req.btfFd !== undefined && req.btfFd >= 0) u32(attr, F.prog_btf_fd, req.btfFd);
  if (funcInfo) {
    u32(attr, F.func_info_rec_size, 8);
    u64(attr, F.func_info, addressOf(funcInfo));
    u32(attr, F.func_info_cnt, funcInfo.length / 8);
  }
  if (req.attachBtfId) u32(attr, F.attach_btf_id, req.attachBtfId);
  if (req.attachFd) u32(attr, F.attach_prog_fd, req.attachFd);
  if (fdArray) u64(attr, F.fd_array, addressOf(fdArray));
  return [fdArray, funcInfo];
}

const NO_SIDE: [Buffer?, Buffer?] = [];

/** Fill the module attr for `req` (re-zeroed only when the last load wrote an optional field);
 * returns the side buffers it points to, which the caller keeps alive over the syscall. */
function fillAttr(req: ProgLoadRequest, insns: Buffer, level: number, logBuf: Buffer | undefined): [Buffer?, Buffer?] {
  const optional = hasOptional(req);
  if (optionalWritten) attr.fill(0);
  optionalWritten = optional;
  fillBase(req, insns, level, logBuf);
  return optional ? fillOptional(req) : NO_SIDE;
}

/** One BPF_PROG_LOAD; the log (if any) stays in the buffer. `logLevel` / `logBuf` override the
 * request's (no object copy per call). */
export function progLoadRaw(req: ProgLoadRequest, logLevel?: number, logBufArg?: Buffer): RawProgLoad {
  const insns = asBuffer(req.insns);
  const level = logLevel ?? req.logLevel ?? 0;
  const logBuf = level ? (logBufArg ?? req.logBuf) : undefined;
  const side = fillAttr(req, insns, level, logBuf);
  const r = sysBpf(BPF_CMD.PROG_LOAD, attr, PROG_LOAD_SIZE);
  // Keep the pointed-to buffers reachable until here.
  void insns; void side;
  const logTrueSize = a32[F.log_true_size >> 2]!;
  return { fd: r.ret, errno: r.errno, logLevel: logBuf ? level : 0, logBuf, logLen: logBuf ? logTextLength(logBuf, logTrueSize) : 0, logTrueSize };
}

/** The text of a raw load's log and its tail (for footer regexes). */
export function decodeRaw(r: RawProgLoad): ProgLoadResult {
  if (!r.logBuf || r.logLen === 0) return { fd: r.fd, errno: r.errno, log: '', logTail: '', logTrueSize: r.logTrueSize };
  const log = decodeLog(r.logBuf, r.logLen);
  const tail = r.logLen <= TAIL_BYTES ? log : logTail(r.logBuf, r.logLen);
  return { fd: r.fd, errno: r.errno, log, logTail: tail, logTrueSize: r.logTrueSize };
}

/** One BPF_PROG_LOAD. `logLevel` / `logBuf` override the request's (no object copy per call). */
export function progLoad(req: ProgLoadRequest, logLevel?: number, logBufArg?: Buffer): ProgLoadResult {
  return decodeRaw(progLoadRaw(req, logLevel, logBufArg));
}

/**
 * progLoadRaw with a log: when the kernel fails with ENOSPC because `buf` is shorter than
 * log_true_size, retry once with a buffer of that size (the result's logBuf: callers keep the
 * larger one for next time).
 */
export function progLoadLoggedRaw(req: ProgLoadRequest, level: number, buf: Buffer): RawProgLoad {
  const r = progLoadRaw(req, level, buf);
  if (r.errno === 28 && r.logTrueSize > buf.length) return progLoadRaw(req, level, Buffer.alloc(r.logTrueSize + 4096));
  return r;
}

/** progLoadLoggedRaw, decoded; returns the result and the buffer used. */
export function progLoadLogged(req: ProgLoadRequest, level: number, buf: Buffer): { result: ProgLoadResult; buf: Buffer } {
  const r = progLoadLoggedRaw(req, level, buf);
  return { result: decodeRaw(r), buf: r.logBuf ?? buf };
}
