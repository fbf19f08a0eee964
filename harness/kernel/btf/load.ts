/**
 * BPF_BTF_LOAD: a raw BTF blob to an owned BTF fd. On failure the kernel's BTF log (level 1)
 * is fetched with a second call so the error names the bad type.
 *
 * Invariant: returns an OwnedFd or throws BtfLoadError carrying errno and the log's last line.
 */
import { BTF_LOAD as F, BTF_LOAD_SIZE, u32, u64 } from '../attr.ts';
import { OwnedFd } from '../fd.ts';
import { BPF_CMD, addressOf, sysBpf } from '../syscall.ts';
import { errnoName } from '../capability.ts';

export class BtfLoadError extends Error {
  readonly errno: number;
  readonly log: string;
  constructor(errno: number, log: string) {
    const last = log.trim().split('\n').at(-1) ?? '';
    super(`BTF_LOAD failed with ${errnoName(errno)}${last ? `: ${last}` : ''}`);
    this.name = 'BtfLoadError';
    this.errno = errno;
    this.log = log;
  }
}

function btfLoadOnce(blob: Buffer, logBuf?: Buffer): { fd: number; errno: number } {
  const attr = Buffer.alloc(BTF_LOAD_SIZE);
  u64(attr, F.btf, addressOf(blob));
  u32(attr, F.btf_size, blob.length);
  if (logBuf) {
    u64(attr, F.btf_log_buf, addressOf(logBuf));
    u32(attr, F.btf_log_size, logBuf.length);
    u32(attr, F.btf_log_level, 1);
  }
  const r = sysBpf(BPF_CMD.BTF_LOAD, attr, BTF_LOAD_SIZE);
  return { fd: r.ret, errno: r.errno };
}

export function loadBtf(bytes: Uint8Array): OwnedFd {
  const blob = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const r = btfLoadOnce(blob);
  if (r.fd >= 0) return new OwnedFd(r.fd);
  const logBuf = Buffer.alloc(1 << 16);
  const again = btfLoadOnce(blob, logBuf);
  if (again.fd >= 0) return new OwnedFd(again.fd);
  const end = logBuf.indexOf(0);
  throw new BtfLoadError(r.errno, logBuf.toString('utf8', 0, end < 0 ? logBuf.length : end));
}
