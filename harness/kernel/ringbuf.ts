/**
 * User-space ends of BPF ring buffers through mmap: write samples into a USER_RINGBUF (for
 * bpf_user_ringbuf_drain) and read the positions and records of a RINGBUF.
 *
 * Layout (kernel/bpf/ringbuf.c): page 0 holds consumer_pos, page 1 producer_pos, then the data
 * area (mapped twice in a row by the kernel so records never wrap). Each record is an 8-byte
 * header {u32 len (bit 31 busy, bit 30 discard); u32 pg_off} followed by the data, rounded up
 * to 8 bytes. Invariant: positions are read and written as little-endian u64 through the mapped
 * memory; for USER_RINGBUF user space owns producer_pos, for RINGBUF consumer_pos.
 */
import { PROT_READ, PROT_WRITE, mmapFd, munmap, type Mapping } from './syscall.ts';
import { errnoName } from './capability.ts';
import type { KernelMap } from './maps.ts';

export const PAGE_SIZE = 4096;

function mapOrThrow(fd: number, len: number, prot: number, off: number): Mapping {
  const m = mmapFd(fd, len, prot, off);
  if ('errno' in m) throw new Error(`mmap of a ring buffer failed with ${errnoName(m.errno)}`);
  return m;
}

const rd64 = (b: Uint8Array, off: number): bigint => new DataView(b.buffer, b.byteOffset).getBigUint64(off, true);
const wr64 = (b: Uint8Array, off: number, v: bigint): void => new DataView(b.buffer, b.byteOffset).setBigUint64(off, v, true);

/** Write samples into a USER_RINGBUF map; returns how many fitted. */
export function userRingbufWrite(map: KernelMap, samples: readonly Uint8Array[]): number {
  const size = map.def.maxEntries;
  const cons = mapOrThrow(map.fd, PAGE_SIZE, PROT_READ, 0);
  const prod = mapOrThrow(map.fd, PAGE_SIZE + 2 * size, PROT_READ | PROT_WRITE, PAGE_SIZE);
  try {
    let pos = rd64(prod.bytes, 0);
    const consumer = rd64(cons.bytes, 0);
    let written = 0;
    for (const s of samples) {
      const total = BigInt(Math.ceil((s.length + 8) / 8) * 8);
      if (pos + total - consumer > BigInt(size)) break;
      const at = PAGE_SIZE + Number(pos % BigInt(size));
      const dv = new DataView(prod.bytes.buffer, prod.bytes.byteOffset);
      dv.setUint32(at, s.length, true);
      dv.setUint32(at + 4, 0, true);
      prod.bytes.set(s, at + 8);
      pos += total;
      written++;
    }
    // Atomics would be the release store; a single aligned 8-byte write from JS is not torn on x86-64.
    wr64(prod.bytes, 0, pos);
    return written;
  } finally {
    munmap(prod);
    munmap(cons);
  }
}

export interface RingbufRecord {
  readonly data: Uint8Array;
  readonly discarded: boolean;
}

/** Read (without consuming) the committed records of a RINGBUF map. */
export function ringbufRead(map: KernelMap): { producerPos: bigint; consumerPos: bigint; records: RingbufRecord[] } {
  const size = map.def.maxEntries;
  const cons = mapOrThrow(map.fd, PAGE_SIZE, PROT_READ | PROT_WRITE, 0);
  const prod = mapOrThrow(map.fd, PAGE_SIZE + 2 * size, PROT_READ, PAGE_SIZE);
  try {
    const consumerPos = rd64(cons.bytes, 0);
    const producerPos = rd64(prod.bytes, 0);
    const records: RingbufRecord[] = [];
    const dv = new DataView(prod.bytes.buffer, prod.bytes.byteOffset);
    for (let pos = consumerPos; pos < producerPos;) {
      const at = PAGE_SIZE + Number(pos % BigInt(size));
      const len = dv.getUint32(at, true);
      if (len & 0x80000000) break; // busy: not committed yet
      const n = len & 0x3fffffff;
      records.push({ data: prod.bytes.slice(at + 8, at + 8 + n), discarded: (len & 0x40000000) !== 0 });
      pos += BigInt(Math.ceil((n + 8) / 8) * 8);
    }
    return { producerPos, consumerPos, records };
  } finally {
    munmap(prod);
    munmap(cons);
  }
}
