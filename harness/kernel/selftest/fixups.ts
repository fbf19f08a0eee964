/**
 * test_verifier's map fixups as data: each `maps[].kind` of a kernel-verifier.jsonl record is
 * one map, created the way test_verifier.c's do_test_fixup() does (README of the conformance
 * folder), whose fd is patched into the `imm` of every ld_imm64 listed for that kind. Also kfunc
 * ids (from vmlinux BTF) and the record's own program BTF.
 *
 * Invariant: `applyFixups` returns every fd it opened in `owned` (also on failure) so the runner
 * closes them; the instruction bytes are patched in place.
 */
import type { MapDef, ProgType } from '../../isa/program.ts';
import { progTypeId } from '../../isa/program.ts';
import { OwnedFd } from '../fd.ts';
import { KernelMap, createMap } from '../maps.ts';
import { loadBtf } from '../btf/load.ts';
import { kfuncId } from '../btf/vmlinux.ts';
import { progLoad } from '../prog-load.ts';
import { SELFTEST_BTF_IDS, selftestBtf } from './btf.ts';
import type { SelftestRecord } from './record.ts';

const NO_PREALLOC = 1;
const hash = (valueSize: number): MapDef => ({ type: 'hash', keySize: 8, valueSize, maxEntries: 1, flags: NO_PREALLOC });
const array48 = (flags = 0): MapDef => ({ type: 'array', keySize: 4, valueSize: 48, maxEntries: 1, flags });

interface FixupKind {
  readonly def: MapDef;
  /** BTF value type id in the selftest BTF (key type is `int`). */
  readonly btfValue?: number;
  /** Fill element 0 with test_verifier's struct test_val {index = 28, foo[6] = 0xabcdef12}. */
  readonly testVal?: boolean;
  /** Prog array: max entries and the keys of the three dummy programs (ret 42, tail-call loop ret 41, ret 24). */
  readonly progs?: readonly [number, number, number];
}

export const FIXUP_KINDS: Readonly<Record<string, FixupKind>> = {
  hash_8b: { def: hash(8) },
  hash_16b: { def: hash(16) },
  hash_48b: { def: hash(48) },
  array_48b: { def: array48(), testVal: true },
  array_ro: { def: array48(1 << 7), testVal: true },
  array_wo: { def: array48(1 << 8), testVal: true },
  array_small: { def: { type: 'array', keySize: 4, valueSize: 1, maxEntries: 1 } },
  prog1: { def: { type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 4 }, progs: [0, 1, 2] },
  prog2: { def: { type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 8 }, progs: [7, 1, 2] },
  in_map: { def: { type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 1, inner: { type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 } } },
  cgroup_storage: { def: { type: 'cgroup_storage', keySize: 16, valueSize: 64, maxEntries: 0 } },
  percpu_cgroup_storage: { def: { type: 'percpu_cgroup_storage', keySize: 16, valueSize: 64, maxEntries: 0 } },
  sockmap: { def: { type: 'sockmap', keySize: 4, valueSize: 4, maxEntries: 1 } },
  sockhash: { def: { type: 'sockhash', keySize: 4, valueSize: 4, maxEntries: 1 } },
  xskmap: { def: { type: 'xskmap', keySize: 4, valueSize: 4, maxEntries: 1 } },
  stacktrace: { def: { type: 'stack_trace', keySize: 4, valueSize: 8, maxEntries: 1 } },
  spin_lock: { def: { type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 }, btfValue: SELFTEST_BTF_IDS.val },
  timer: { def: { type: 'array', keySize: 4, valueSize: 16, maxEntries: 1 }, btfValue: SELFTEST_BTF_IDS.timer },
  kptr: { def: { type: 'array', keySize: 4, valueSize: 24, maxEntries: 1 }, btfValue: SELFTEST_BTF_IDS.btfPtr },
  sk_storage_map: { def: { type: 'sk_storage', keySize: 4, valueSize: 8, maxEntries: 0, flags: NO_PREALLOC }, btfValue: SELFTEST_BTF_IDS.val },
  event_output: { def: { type: 'perf_event_array', keySize: 4, valueSize: 4, maxEntries: 1 } },
  reuseport_array: { def: { type: 'reuseport_sockarray', keySize: 4, valueSize: 8, maxEntries: 1 } },
  ringbuf: { def: { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 } },
};

export interface Owned {
  readonly fds: { close(): void }[];
}

function patchImm(bytes: Buffer, slot: number, imm: number): void {
  bytes.writeInt32LE(imm | 0, slot * 8 + 4);
}

function testValBytes(): Uint8Array {
  const v = Buffer.alloc(48);
  v.writeUInt32LE(28, 0);
  v.writeUInt32LE(0xabcdef12, 4 + 6 * 4);
  return v;
}

/** A dummy program: `r0 = ret; exit`, or `r3 = key; r2 = map; call tail_call; r0 = ret; exit`. */
function dummyProg(progType: number, ret: number, tail?: { mapFd: number; key: number }): Buffer {
  const h = tail
    ? `b7030000${le32(tail.key)}18120000${le32(tail.mapFd)}0000000000000000850000000c000000`
    : '';
  return Buffer.from(`${h}b7000000${le32(ret)}9500000000000000`, 'hex');
}

const le32 = (v: number): string => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v | 0);
  return b.toString('hex');
};

function fillProgArray(map: KernelMap, progType: number, keys: readonly [number, number, number], owned: Owned): void {
  const progs = [dummyProg(progType, 42), dummyProg(progType, 41, { mapFd: map.fd, key: keys[1] }), dummyProg(progType, 24)];
  progs.forEach((insns, i) => {
    const r = progLoad({ progType, insns });
    if (r.fd < 0) return; // as test_verifier: a type that cannot load the dummy leaves the slot empty
    owned.fds.push(new OwnedFd(r.fd));
    const key = Buffer.alloc(4); key.writeUInt32LE(keys[i]!);
    const val = Buffer.alloc(4); val.writeUInt32LE(r.fd);
    map.update(key, val);
  });
}

function createFixupMap(kind: string, rec: SelftestRecord, owned: Owned, btf: () => number): KernelMap {
  const k = FIXUP_KINDS[kind];
  if (!k) throw new Error(`unknown map fixup kind '${kind}'`);
  const map = createMap(k.def, {
    name: kind,
    ...(k.btfValue ? { btf: { btfFd: btf(), keyTypeId: SELFTEST_BTF_IDS.int, valueTypeId: k.btfValue } } : {}),
  });
  owned.fds.push(map);
  if (k.testVal) map.update(new Uint8Array(4), testValBytes());
  if (k.progs) fillProgArray(map, progTypeId(rec.prog_type as ProgType), k.progs, owned);
  return map;
}

/** Create the record's maps and patch their fds and the kfunc ids into `bytes`. */
export function applyFixups(rec: SelftestRecord, bytes: Buffer, owned: Owned): void {
  let btfFd: OwnedFd | undefined;
  const btf = (): number => {
    if (!btfFd) { btfFd = loadBtf(selftestBtf()); owned.fds.push(btfFd); }
    return btfFd.fd;
  };
  const byKind = new Map<string, KernelMap>();
  for (const m of rec.maps) {
    let map = byKind.get(m.kind);
    if (!map) { map = createFixupMap(m.kind, rec, owned, btf); byKind.set(m.kind, map); }
    patchImm(bytes, m.insn_index, map.fd);
  }
  for (const k of rec.kfuncs ?? []) patchImm(bytes, k.insn_index, kfuncId(k.kfunc));
}

/** The record's own program BTF (btf_types words + string section), or undefined. */
export function recordBtf(rec: SelftestRecord): Uint8Array | undefined {
  if (!rec.btf_types || rec.btf_strings_hex === undefined) return undefined;
  const strings = Buffer.from(rec.btf_strings_hex, 'hex');
  const typeLen = rec.btf_types.length * 4;
  const out = Buffer.alloc(24 + typeLen + strings.length);
  out.writeUInt16LE(0xeb9f, 0); out.writeUInt8(1, 2); out.writeUInt32LE(24, 4);
  out.writeUInt32LE(0, 8); out.writeUInt32LE(typeLen, 12); out.writeUInt32LE(typeLen, 16); out.writeUInt32LE(strings.length, 20);
  rec.btf_types.forEach((w, i) => out.writeUInt32LE(w >>> 0, 24 + i * 4));
  strings.copy(out, 24 + typeLen);
  return out;
}
