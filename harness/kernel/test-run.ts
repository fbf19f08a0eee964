/**
 * BPF_PROG_TEST_RUN, one syscall: run a loaded program once (or `repeat` times) on a packet
 * and/or a context, read back retval, data_out, ctx_out and the average duration.
 *
 * Invariant: output buffers are sized by the caller's request (default: the input's size, which
 * the kernel never exceeds for the skb/xdp types without frags); sizes reported back by the
 * kernel trim the returned copies. The attr buffer is module-owned and reused.
 */
import { TEST_RUN as F, TEST_RUN_SIZE, u32, u64 } from './attr.ts';
import { BPF_CMD, addressOf, sysBpf } from './syscall.ts';

export interface TestRunRequest {
  readonly progFd: number;
  readonly data?: Uint8Array;
  readonly ctx?: Uint8Array;
  /** 0 or 1 runs once; RAW_TRACEPOINT and SYSCALL require 0. */
  readonly repeat?: number;
  /** Capacity of data_out (default: data.length); 0 disables data_out. */
  readonly dataOutSize?: number;
  /** Capacity of ctx_out (default: ctx.length); 0 disables ctx_out. */
  readonly ctxOutSize?: number;
  readonly flags?: number;
  /** SYSCALL programs: the kernel writes the context back into ctx_in and refuses ctx_out; the
   * input is copied first and returned as ctxOut. */
  readonly ctxInOut?: boolean;
}

export interface TestRunResult {
  readonly errno: number;
  /** u32 return value of the program (attr.test.retval). */
  readonly retval: number;
  readonly dataOut?: Uint8Array;
  readonly ctxOut?: Uint8Array;
  /** Average ns per run as the kernel measured it. */
  readonly durationNs: number;
}

const attr = Buffer.alloc(TEST_RUN_SIZE);

const view = (b: Uint8Array | undefined): Buffer | undefined =>
  b && b.length ? Buffer.from(b.buffer, b.byteOffset, b.length) : undefined;

export function testRun(req: TestRunRequest): TestRunResult {
  const dataIn = view(req.data);
  const ctxIn = req.ctxInOut && req.ctx ? Buffer.from(req.ctx) : view(req.ctx);
  const dataOut = Buffer.alloc(req.dataOutSize ?? dataIn?.length ?? 0);
  const ctxOut = Buffer.alloc(req.ctxInOut ? 0 : (req.ctxOutSize ?? ctxIn?.length ?? 0));
  attr.fill(0);
  u32(attr, F.prog_fd, req.progFd);
  if (dataIn) { u32(attr, F.data_size_in, dataIn.length); u64(attr, F.data_in, addressOf(dataIn)); }
  if (dataOut.length) { u32(attr, F.data_size_out, dataOut.length); u64(attr, F.data_out, addressOf(dataOut)); }
  if (ctxIn) { u32(attr, F.ctx_size_in, ctxIn.length); u64(attr, F.ctx_in, addressOf(ctxIn)); }
  if (ctxOut.length) { u32(attr, F.ctx_size_out, ctxOut.length); u64(attr, F.ctx_out, addressOf(ctxOut)); }
  u32(attr, F.repeat, req.repeat ?? 0);
  u32(attr, F.flags, req.flags ?? 0);
  const r = sysBpf(BPF_CMD.PROG_TEST_RUN, attr, TEST_RUN_SIZE);
  const retval = attr.readUInt32LE(F.retval);
  const durationNs = attr.readUInt32LE(F.duration);
  if (r.ret < 0) return { errno: r.errno, retval, durationNs };
  const dataLen = Math.min(attr.readUInt32LE(F.data_size_out), dataOut.length);
  const ctxLen = Math.min(attr.readUInt32LE(F.ctx_size_out), ctxOut.length);
  return {
    errno: 0, retval, durationNs,
    ...(dataOut.length ? { dataOut: new Uint8Array(dataOut.subarray(0, dataLen)) } : {}),
    ...(ctxOut.length ? { ctxOut: new Uint8Array(ctxOut.subarray(0, ctxLen)) } : {}),
    ...(req.ctxInOut && ctxIn ? { ctxOut: new Uint8Array(ctxIn) } : {}),
  };
}
