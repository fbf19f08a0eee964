/**
 * BPF_PROG_LOAD, one syscall: bytes in, fd or errno plus the log out. No policy here (which
 * log level, retries, maps): that is load.ts.
 *
 * Invariant: the attr buffer is module-owned and reused (re-zeroed each call); all pointer
 * fields reference Buffers held in locals until the syscall returns. The returned fd is owned
 * by the caller (wrap it in OwnedFd or close it). Nothing is allocated per call that a repeated
 * load of the same bytes does not need: the addresses of the last instruction and log buffers
 * are remembered (a Buffer's memory does not move once its address was taken: koffi
 * externalizes it), and the log is decoded in young-generation pieces (log-text.ts).
 */
import { PROG_LOAD as F, PROG_LOAD_SIZE, name16, u32, u64 } from './attr.ts';
import { BPF_CMD, addressOf, sysBpf, type SysResult } from './syscall.ts';
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

const attr = Buffer.alloc(PROG_LOAD_SIZE);

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

/** A buffer and its address, remembered: one koffi.address per new buffer, not per load. */
class AddressCache {
  #buf: Buffer | undefined;
  #addr = 0n;
  of(buf: Buffer): bigint {
    if (buf !== this.#buf) {
      this.#addr = addressOf(buf);
      this.#buf = buf;
    }
    return this.#addr;
  }
}

const insnsAddr = new AddressCache();
const logAddr = new AddressCache();
const licenseAddr = new AddressCache();

function result(r: SysResult, buf: Buffer | undefined, logTrueSize: number): ProgLoadResult {
  const len = buf ? logTextLength(buf) : 0;
  if (len === 0) return { fd: r.ret, errno: r.errno, log: '', logTail: '', logTrueSize };
  const log = decodeLog(buf!, len);
  return { fd: r.ret, errno: r.errno, log, logTail: len <= TAIL_BYTES ? log : logTail(buf!, len), logTrueSize };
}

/** One BPF_PROG_LOAD. `logLevel` / `logBuf` override the request's (no object copy per call). */
export function progLoad(req: ProgLoadRequest, logLevel?: number, logBufArg?: Buffer): ProgLoadResult {
  const insns = Buffer.isBuffer(req.insns) ? req.insns : Buffer.from(req.insns.buffer, req.insns.byteOffset, req.insns.length);
  const level = logLevel ?? req.logLevel ?? 0;
  const logBuf = level ? (logBufArg ?? req.logBuf) : undefined;
  const fdArray = req.fdArray && req.fdArray.length ? int32Array(req.fdArray) : undefined;
  const funcInfo = req.funcInfo && req.funcInfo.length ? funcInfoBytes(req.funcInfo) : undefined;
  attr.fill(0);
  u32(attr, F.prog_type, req.progType);
  u32(attr, F.insn_cnt, insns.length / 8);
  u64(attr, F.insns, insnsAddr.of(insns));
  u64(attr, F.license, licenseAddr.of(LICENSE_GPL));
  if (logBuf) {
    logBuf[0] = 0;
    u32(attr, F.log_level, level);
    u32(attr, F.log_size, logBuf.length);
    u64(attr, F.log_buf, logAddr.of(logBuf));
  }
  u32(attr, F.prog_flags, req.progFlags ?? 0);
  if (req.name) name16(attr, F.prog_name, req.name);
  u32(attr, F.expected_attach_type, req.expectedAttachType ?? 0);
  if (req.btfFd !== undefined && req.btfFd >= 0) u32(attr, F.prog_btf_fd, req.btfFd);
  if (funcInfo) {
    u32(attr, F.func_info_rec_size, 8);
    u64(attr, F.func_info, addressOf(funcInfo));
    u32(attr, F.func_info_cnt, funcInfo.length / 8);
  }
  u32(attr, F.attach_btf_id, req.attachBtfId ?? 0);
  u32(attr, F.attach_prog_fd, req.attachFd ?? 0);
  if (fdArray) u64(attr, F.fd_array, addressOf(fdArray));
  const r = sysBpf(BPF_CMD.PROG_LOAD, attr, PROG_LOAD_SIZE);
  const logTrueSize = attr.readUInt32LE(F.log_true_size);
  // Keep the pointed-to buffers reachable until here.
  void insns; void fdArray; void funcInfo;
  return result(r, logBuf, logTrueSize);
}

/**
 * progLoad with a log: when the kernel fails with ENOSPC because `buf` is shorter than
 * log_true_size, retry once with a buffer of that size. Returns the result and the buffer used
 * (callers keep the larger one for next time).
 */
export function progLoadLogged(req: ProgLoadRequest, level: number, buf: Buffer): { result: ProgLoadResult; buf: Buffer } {
  let r = progLoad(req, level, buf);
  if (r.errno === 28 && r.logTrueSize > buf.length) {
    buf = Buffer.alloc(r.logTrueSize + 4096);
    r = progLoad(req, level, buf);
  }
  return { result: r, buf };
}
