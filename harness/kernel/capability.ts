/**
 * Can this machine use the real kernel verifier? Probes once (a 2-instruction SOCKET_FILTER
 * load at log level 0) and caches the answer with a one-line reason every command can print.
 *
 * Invariant: `kernelCapability()` never throws; `requireKernel()` throws UnavailableError (exit
 * 3) with that reason. VERIFUZZ_DISABLE_KERNEL=1 forces "unavailable" (to exercise the fallback
 * paths on a capable machine). For vitest gating see `./testing.ts` (describeKernel).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { UnavailableError } from '../errors.ts';
import { BPF_CMD, ffiUnavailableReason, sysBpf, addressOf, closeFd } from './syscall.ts';
import { PROG_LOAD, PROG_LOAD_SIZE, u32, u64 } from './attr.ts';

export const VMLINUX_BTF_PATH = '/sys/kernel/btf/vmlinux';

export interface KernelCapability {
  readonly available: boolean;
  /** One line: why the kernel target cannot be used (undefined when available). */
  readonly reason?: string;
  /** os.release(), e.g. "6.18.44-fc-v782". */
  readonly release: string;
  readonly vmlinuxBtf: boolean;
}

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 4: 'EINTR', 7: 'E2BIG', 9: 'EBADF', 12: 'ENOMEM', 13: 'EACCES',
  14: 'EFAULT', 16: 'EBUSY', 17: 'EEXIST', 22: 'EINVAL', 24: 'EMFILE', 28: 'ENOSPC', 38: 'ENOSYS',
  95: 'EOPNOTSUPP', 524: 'ENOTSUPP',
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

function unprivilegedSetting(): string {
  try {
    return readFileSync('/proc/sys/kernel/unprivileged_bpf_disabled', 'utf8').trim();
  } catch {
    return '?';
  }
}

/** Loads `r0 = 0; exit` as SOCKET_FILTER; returns undefined on success, else the reason. */
function probeLoad(): string | undefined {
  const insns = Buffer.from('b700000000000000' + '9500000000000000', 'hex');
  const license = Buffer.from('GPL\0', 'latin1');
  const attr = Buffer.alloc(PROG_LOAD_SIZE);
  u32(attr, PROG_LOAD.prog_type, 1);
  u32(attr, PROG_LOAD.insn_cnt, 2);
  u64(attr, PROG_LOAD.insns, addressOf(insns));
  u64(attr, PROG_LOAD.license, addressOf(license));
  const r = sysBpf(BPF_CMD.PROG_LOAD, attr, PROG_LOAD_SIZE);
  if (r.ret >= 0) {
    closeFd(r.ret);
    return undefined;
  }
  if (r.errno === 1) {
    return `bpf() is not permitted (EPERM): the kernel target needs CAP_BPF and CAP_SYS_ADMIN `
      + `(kernel.unprivileged_bpf_disabled=${unprivilegedSetting()})`;
  }
  if (r.errno === 38) return 'bpf() is not implemented by this kernel (ENOSYS)';
  return `a 2-instruction probe load failed with ${errnoName(r.errno)}`;
}

function probe(): KernelCapability {
  const release = os.release();
  const vmlinuxBtf = existsSync(VMLINUX_BTF_PATH);
  const base = { release, vmlinuxBtf };
  if (process.env.VERIFUZZ_DISABLE_KERNEL === '1') {
    return { ...base, available: false, reason: 'the kernel target is disabled (VERIFUZZ_DISABLE_KERNEL=1)' };
  }
  const ffiReason = ffiUnavailableReason();
  if (ffiReason) return { ...base, available: false, reason: ffiReason };
  const reason = probeLoad();
  return reason ? { ...base, available: false, reason } : { ...base, available: true };
}

let cached: KernelCapability | undefined;

export function kernelCapability(): KernelCapability {
  cached ??= probe();
  return cached;
}

/** {available, reason} for test gating and for commands that degrade gracefully. */
export function kernelOrSkip(): { available: boolean; reason: string } {
  const c = kernelCapability();
  return { available: c.available, reason: c.reason ?? '' };
}

/** Throws UnavailableError ("kernel target unavailable: <reason>") when bpf() is unusable. */
export function requireKernel(): KernelCapability {
  const c = kernelCapability();
  if (!c.available) throw new UnavailableError(`kernel target unavailable: ${c.reason}`);
  return c;
}

/** Throws UnavailableError when vmlinux BTF is missing (kfunc ids cannot be resolved). */
export function requireVmlinuxBtf(): void {
  if (!kernelCapability().vmlinuxBtf) {
    throw new UnavailableError(`kernel BTF ${VMLINUX_BTF_PATH} is absent: kfunc ids cannot be resolved`);
  }
}
