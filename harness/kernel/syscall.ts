/**
 * The raw `bpf(2)` system call (and the few libc calls around it: close, mmap, munmap) through
 * the koffi FFI, with no compiler. This is the only module that touches koffi.
 *
 * Invariant: every call returns `{ ret, errno }` and never throws for a kernel error; errno is
 * read right after the call, before any other FFI call can clobber it. Loading koffi or libc can
 * fail (another OS, no prebuilt binary): `ffiUnavailableReason()` says why, and `sysBpf` then
 * throws UnavailableError.
 */
import { createRequire } from 'node:module';
import { UnavailableError } from '../errors.ts';

/** enum bpf_cmd values used by verifuzz. */
export const BPF_CMD = {
  MAP_CREATE: 0, MAP_LOOKUP_ELEM: 1, MAP_UPDATE_ELEM: 2, MAP_DELETE_ELEM: 3, MAP_GET_NEXT_KEY: 4,
  PROG_LOAD: 5, PROG_TEST_RUN: 10, BTF_LOAD: 18, MAP_FREEZE: 22,
} as const;

const SYS_BPF_X86_64 = 321;

export interface SysResult {
  /** The syscall's return value (an fd for *_CREATE / *_LOAD, 0 for the rest), -1 on failure. */
  readonly ret: number;
  /** errno when ret < 0, else 0. */
  readonly errno: number;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
interface Ffi {
  koffi: any;
  syscall: (nr: number, cmd: number, attr: Buffer, size: number) => number | bigint;
  close: (fd: number) => number;
  mmap: (addr: null, len: number, prot: number, flags: number, fd: number, off: number) => unknown;
  munmap: (addr: unknown, len: number) => number;
}

let ffi: Ffi | undefined;
let ffiError: string | undefined;

function loadFfi(): Ffi | undefined {
  if (ffi || ffiError) return ffi;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    ffiError = `bpf() needs Linux x86-64 (this is ${process.platform}/${process.arch})`;
    return undefined;
  }
  try {
    const koffi = createRequire(import.meta.url)('koffi');
    const libc = koffi.load('libc.so.6');
    ffi = {
      koffi,
      syscall: libc.func('long syscall(long nr, int cmd, void *attr, unsigned int size)'),
      close: libc.func('int close(int fd)'),
      mmap: libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)'),
      munmap: libc.func('int munmap(void *addr, size_t len)'),
    };
  } catch (e) {
    ffiError = `cannot load the koffi FFI or libc: ${(e as Error).message.split('\n')[0]}`;
  }
  return ffi;
}

/** Why the FFI cannot be used here, or undefined when it can. */
export function ffiUnavailableReason(): string | undefined {
  loadFfi();
  return ffiError;
}

function need(): Ffi {
  const f = loadFfi();
  if (!f) throw new UnavailableError(ffiError ?? 'FFI unavailable');
  return f;
}

type BpfStub = (cmd: number, attr: Buffer, size: number) => SysResult;
let stub: BpfStub | undefined;

/**
 * Run `fn` with bpf() replaced by `fake` (and close() a no-op for fds >= 1<<20): bench/kernel.ts
 * uses it to measure the cost of the target layer alone, without the kernel's noise.
 */
export function withBpfStub<T>(fake: BpfStub, fn: () => T): T {
  stub = fake;
  try {
    return fn();
  } finally {
    stub = undefined;
  }
}

/** bpf(cmd, attr, size). The attr buffer must stay alive (it does: the caller holds it). */
export function sysBpf(cmd: number, attr: Buffer, size: number): SysResult {
  if (stub) return stub(cmd, attr, size);
  const f = need();
  const ret = Number(f.syscall(SYS_BPF_X86_64, cmd, attr, size));
  if (ret < 0) return { ret, errno: f.koffi.errno() as number };
  return { ret, errno: 0 };
}

/** Address of a Buffer's bytes, for the u64 pointer fields of bpf_attr (0 for null). */
export function addressOf(buf: Buffer | Uint8Array | null | undefined): bigint {
  if (!buf || buf.length === 0) return 0n;
  return need().koffi.address(buf) as bigint;
}

export function closeFd(fd: number): void {
  if (stub && fd >= 1 << 20) return;
  if (fd >= 0) need().close(fd);
}

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;

export interface Mapping {
  readonly ptr: unknown;
  readonly len: number;
  /** A view over the mapped memory (valid until unmap). */
  readonly bytes: Uint8Array;
}

/** mmap(NULL, len, prot, MAP_SHARED, fd, off); undefined with errno on failure. */
export function mmapFd(fd: number, len: number, prot: number, off: number): Mapping | { errno: number } {
  const f = need();
  const ptr = f.mmap(null, len, prot, MAP_SHARED, fd, off);
  const addr = f.koffi.address(ptr) as bigint;
  if (addr === 0xffffffffffffffffn) return { errno: f.koffi.errno() as number };
  return { ptr, len, bytes: new Uint8Array(f.koffi.view(ptr, len)) };
}

export function munmap(m: Mapping): void {
  need().munmap(m.ptr, m.len);
}
