/**
 * One record of ../shared/conformance/kernel-verifier.jsonl (the kernel's classic test_verifier
 * cases, converted; see that folder's README): its type, and its program bytes (inline hex, or
 * from the .gz sidecar for the three ~1M-instruction programs).
 *
 * Invariant: `recordBytes` returns a fresh copy each call (fixups patch it in place).
 */
import path from 'node:path';
import { readJsonl } from '../../testing/conformance.ts';

export interface SelftestLive {
  readonly verdict: 'accept' | 'reject' | null;
  readonly errno?: number;
  readonly log_tail?: string[];
  readonly insns_processed?: number | null;
  readonly test_runs?: { errno: number; retval: number; matches?: boolean }[];
  readonly skipped?: string;
  readonly environment_blocked?: boolean;
  readonly errstr_found?: boolean;
}

export interface SelftestRecord {
  readonly name: string;
  readonly source: string;
  readonly kernel_tree: string;
  readonly insns_hex: string | null;
  readonly insns_hex_in?: { file: string; sha256_of_bytes: string };
  readonly prog_type: string;
  readonly expect: 'accept' | 'reject';
  readonly errstr: string | null;
  readonly retval: number | null;
  readonly test_runs: { retval: number | null; data_hex: string }[] | null;
  readonly maps: { kind: string; insn_index: number }[];
  readonly flags: number;
  readonly prog_flags: number;
  readonly kfuncs?: { kfunc: string; insn_index: number }[];
  readonly expected_attach_type?: string;
  readonly attach_kfunc?: string;
  readonly btf_types?: number[];
  readonly btf_strings_hex?: string;
  readonly func_info?: [number, number][];
  readonly verbose_accept?: boolean;
  readonly live_6_18: SelftestLive;
}

const sidecars = new Map<string, Map<string, string>>();

/** The program bytes of a record; `dir` is the folder of the .jsonl (for the sidecar). */
export function recordBytes(r: SelftestRecord, dir: string): Buffer {
  if (r.insns_hex !== null) return Buffer.from(r.insns_hex, 'hex');
  if (!r.insns_hex_in) throw new Error(`record '${r.name}' has no instructions`);
  const file = path.join(dir, r.insns_hex_in.file);
  let byName = sidecars.get(file);
  if (!byName) {
    byName = new Map(readJsonl<{ name: string; insns_hex: string }>(file).map((x) => [x.name, x.insns_hex]));
    sidecars.set(file, byName);
  }
  const hex = byName.get(r.name);
  if (!hex) throw new Error(`record '${r.name}' is missing from ${file}`);
  return Buffer.from(hex, 'hex');
}

/** A verdict that counts: not skipped (bpf_testmod kfuncs) and not environment-blocked. */
export function isEvaluated(r: SelftestRecord): boolean {
  return !r.live_6_18.skipped && !r.live_6_18.environment_blocked && r.live_6_18.verdict !== null;
}
