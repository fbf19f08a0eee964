/**
 * The kernel's classic test_verifier cases (../shared/conformance/kernel-verifier.jsonl) on the
 * VM: the record's map fixups become VM maps created the way test_verifier's do_test_fixup()
 * creates them (bound to the ld_imm64 fd forms through fake fds), and each test run's
 * `data_hex` is the packet. A record is "supported" when its program type, its map kinds and
 * its instructions are all things the VM implements.
 */
import { decodeHex } from '../isa/codec.ts';
import { type Insn, mkInsn, mkLdImm64 } from '../isa/insn.ts';
import { isProgType, type MapDef, type Program, type ProgType } from '../isa/program.ts';
import { ctxKindOf } from './context.ts';
import { isLoadError } from './fault.ts';
import { HELPERS, type TailTarget } from './helpers.ts';
import { le32, VmMap } from './maps.ts';
import { loadVmProgram, runVm, VmEnv, type RunResult, type VmProgram } from './run.ts';

export interface SelftestRecord {
  name: string;
  insns_hex: string | null;
  prog_type: string;
  prog_flags?: number;
  maps?: Array<{ kind: string; insn_index: number }>;
  kfuncs?: unknown[];
  test_runs?: Array<{ retval: number | null; data_hex: string }> | null;
  live_6_18?: { verdict?: string; test_runs?: Array<{ errno: number; retval: number | null }> };
}

const arr = (valueSize: number, flags = 0): MapDef => ({ type: 'array', keySize: 4, valueSize, maxEntries: 1, flags });
const hash = (valueSize: number): MapDef => ({ type: 'hash', keySize: 8, valueSize, maxEntries: 1, flags: 1 });

/** Map kinds of the fixups, as test_verifier creates them. */
const FIXUP_DEFS: Record<string, MapDef> = {
  hash_8b: hash(8), hash_16b: hash(16), hash_48b: hash(48),
  array_48b: arr(48), array_ro: arr(48, 0x80), array_wo: arr(48, 0x100), array_small: arr(1),
  prog1: { type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 4 },
  prog2: { type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 8 },
  in_map: { type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 1, inner: { type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 } },
  ringbuf: { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 },
  spin_lock: { type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, btf: { fields: [{ kind: 'spin_lock', off: 4 }] } },
};

/** Keys of the three dummy programs of prog1 / prog2 (create_prog_array's p1key, p2key, p3key). */
const PROG_KEYS: Record<string, readonly [number, number, number]> = { prog1: [0, 1, 2], prog2: [7, 1, 2] };

function fillArray48(m: VmMap): void {
  // struct test_val { unsigned int index; int foo[11]; }: index = 28, foo[6] = 0xabcdef12.
  const v = new Uint8Array(48);
  v.set(le32(28), 0);
  v.set(le32(0xabcdef12), 4 + 6 * 4);
  m.update(le32(0), v, 0);
}

const FAKE_FD_BASE = 1000;
const exit = mkInsn(0x95, 0, 0, 0, 0);

function dummy(env: VmEnv, progType: ProgType, insns: Insn[], fdMaps?: Map<number, VmMap>): TailTarget {
  const vp = loadVmProgram({ progType, insns, maps: [] }, { env, ...(fdMaps ? { fdMaps } : {}) });
  if (isLoadError(vp)) throw new Error(`selftests: dummy program refused: ${vp.message}`);
  return { code: vp.code };
}

function fillProgArray(env: VmEnv, m: VmMap, kind: string, progType: ProgType): void {
  const [k1, k2, k3] = PROG_KEYS[kind]!;
  const self = new Map([[FAKE_FD_BASE - 1, m]]);
  m.slots.set(k1, dummy(env, progType, [mkInsn(0xb7, 0, 0, 0, 42), exit]));
  m.slots.set(k2, dummy(env, progType, [mkInsn(0xb7, 3, 0, 0, k2), { ...mkLdImm64(2, 1, 0n), imm: FAKE_FD_BASE - 1 },
    mkInsn(0x85, 0, 0, 0, 12), mkInsn(0xb7, 0, 0, 0, 41), exit], self));
  m.slots.set(k3, dummy(env, progType, [mkInsn(0xb7, 0, 0, 0, 24), exit]));
}

function makeMap(env: VmEnv, kind: string, idx: number, progType: ProgType): VmMap {
  const def = FIXUP_DEFS[kind]!;
  const m = new VmMap(def, env.memory, idx);
  if (kind === 'array_48b' || kind === 'array_ro' || kind === 'array_wo') fillArray48(m);
  if (kind === 'prog1' || kind === 'prog2') fillProgArray(env, m, kind, progType);
  if (kind === 'in_map') m.slots.set(0, new VmMap(def.inner!, env.memory, idx));
  return m;
}

export type SelftestSetup = { vp: VmProgram } | { unsupported: string };

/** Build the VM program of a record (maps created and bound), or say why it is unsupported. */
export function setupSelftest(rec: SelftestRecord): SelftestSetup {
  if (!isProgType(rec.prog_type) || !ctxKindOf(rec.prog_type)) return { unsupported: `program type ${rec.prog_type}` };
  if (rec.insns_hex === null) return { unsupported: 'program bytes in the big-programs sidecar' };
  if (rec.kfuncs && rec.kfuncs.length > 0) return { unsupported: 'kfunc calls' };
  const bad = (rec.maps ?? []).find((f) => !FIXUP_DEFS[f.kind]);
  if (bad) return { unsupported: `map kind ${bad.kind}` };
  const insns = decodeHex(rec.insns_hex);
  const helper = insns.find((i) => i.code === 0x85 && i.src === 0 && !HELPERS[i.imm]);
  if (helper) return { unsupported: `helper #${helper.imm}` };
  const env = new VmEnv();
  const slotToPc = new Map<number, number>();
  let s = 0;
  insns.forEach((insn, i) => { slotToPc.set(s, i); s += insn.code === 0x18 ? 2 : 1; });
  const fdMaps = new Map<number, VmMap>();
  const patched = [...insns];
  // test_verifier creates one map per kind and patches every fixup of that kind with its fd.
  const fdOfKind = new Map<string, number>();
  for (const f of rec.maps ?? []) {
    const pc = slotToPc.get(f.insn_index);
    if (pc === undefined) continue;
    let fd = fdOfKind.get(f.kind);
    if (fd === undefined) {
      fd = FAKE_FD_BASE + fdOfKind.size;
      fdOfKind.set(f.kind, fd);
      fdMaps.set(fd, makeMap(env, f.kind, fdOfKind.size - 1, rec.prog_type as ProgType));
    }
    patched[pc] = { ...patched[pc]!, imm: fd };
  }
  const program: Program = { progType: rec.prog_type, insns: patched, maps: [], flags: rec.prog_flags ?? 0 };
  const vp = loadVmProgram(program, { env, fdMaps });
  if (isLoadError(vp)) return { unsupported: `refused at load: ${vp.message}` };
  return { vp };
}

export interface SelftestRunOutcome {
  readonly expected: number;
  readonly result: RunResult;
  /** The VM's r0, low 32 bits (what test_run's retval reports), or undefined on a fault. */
  readonly got: number | undefined;
  readonly match: boolean;
}

/** Runs the kernel accepted and ran with a retval that is not a "don't care" pointer value. */
export function comparableRuns(rec: SelftestRecord): Array<{ data: Uint8Array; expected: number }> {
  if (rec.live_6_18?.verdict !== 'accept') return [];
  const live = rec.live_6_18.test_runs ?? [];
  return (rec.test_runs ?? []).flatMap((r, i) => {
    const l = live[i];
    if (!l || l.errno !== 0 || l.retval === null || r.retval === null) return [];
    return [{ data: Buffer.from(r.data_hex, 'hex'), expected: l.retval >>> 0 }];
  });
}

export function runSelftestVm(rec: SelftestRecord, vp: VmProgram): SelftestRunOutcome[] {
  return comparableRuns(rec).map(({ data, expected }) => {
    const result = runVm(vp, { packet: data, uninitStackOk: true });
    const got = result.kind === 'ok' ? Number(result.r0 & 0xffffffffn) : undefined;
    return { expected, result, got, match: got === expected };
  });
}

/** CLI report for kernel-verifier.jsonl on the VM: mismatches, unsupported counts, totals; exit code. */
export function reportSelftestsVm(records: readonly SelftestRecord[], write: (line: string) => void): number {
  let considered = 0, supported = 0, matching = 0;
  const unsupported = new Map<string, number>();
  for (const rec of records) {
    if (comparableRuns(rec).length === 0) continue;
    considered++;
    const s = setupSelftest(rec);
    if ('unsupported' in s) { unsupported.set(s.unsupported, (unsupported.get(s.unsupported) ?? 0) + 1); continue; }
    supported++;
    const bad = runSelftestVm(rec, s.vp).find((o) => !o.match);
    if (!bad) { matching++; continue; }
    const why = bad.result.kind === 'fault' ? `fault ${bad.result.fault.kind} at pc ${bad.result.fault.pc}: ${bad.result.fault.message}` : `retval ${bad.got}`;
    write(`MISMATCH ${rec.name}: live kernel retval ${bad.expected}, VM ${why}`);
  }
  if (unsupported.size) write(`unsupported: ${[...unsupported].map(([k, v]) => `${k} x${v}`).join(', ')}`);
  write(`${considered} records run by the live kernel with a retval, ${supported} supported by the VM, ${matching} passed, ${supported - matching} failed`);
  return matching === supported ? 0 : 1;
}
