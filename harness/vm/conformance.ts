/**
 * The bpf_conformance suite on the VM, the way the upstream runner does it: r1 points to the
 * test's memory (a raw, writable region), r2 holds its length, the expected result is the full
 * 64-bit r0. A program that must be rejected passes when the VM refuses it at load.
 *
 * Two sources: the JSON lines of ../shared/conformance/bpf-conformance.jsonl (bytes from
 * `insns_hex`), or a directory of upstream `.data` files (sections `-- asm`, `-- mem`,
 * `-- result`, `-- raw`, `-- error`), assembled with harness/isa/ubpf-asm.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { decodeHex, hexToBytes } from '../isa/codec.ts';
import type { Insn } from '../isa/insn.ts';
import { assembleUbpf } from '../isa/ubpf-asm.ts';
import { UserError } from '../errors.ts';
import { isLoadError } from './fault.ts';
import { loadVmProgram, runVm } from './run.ts';

export interface ConformanceCase {
  readonly name: string;
  readonly insns: readonly Insn[];
  readonly mem: Uint8Array;
  /** Expected r0, or 'reject' for programs that must be refused. */
  readonly expect: bigint | 'reject';
}

export interface CaseOutcome {
  readonly name: string;
  readonly pass: boolean;
  /** One line: what happened when it failed. */
  readonly detail: string;
}

const hex64 = (v: bigint): string => `0x${v.toString(16)}`;

export function runConformanceCase(c: ConformanceCase): CaseOutcome {
  const vp = loadVmProgram({ progType: 'socket_filter', insns: c.insns, maps: [] }, { rawMemory: true, callx: true });
  if (c.expect === 'reject') {
    return { name: c.name, pass: isLoadError(vp), detail: isLoadError(vp) ? vp.message : 'accepted a program that must be rejected' };
  }
  if (isLoadError(vp)) return { name: c.name, pass: false, detail: `refused at load: ${vp.message}` };
  const res = runVm(vp, { ctx: c.mem });
  if (res.kind === 'fault') return { name: c.name, pass: false, detail: `fault ${res.fault.kind} at pc ${res.fault.pc}: ${res.fault.message}` };
  const pass = res.r0 === c.expect;
  return { name: c.name, pass, detail: pass ? '' : `r0 = ${hex64(res.r0)}, expected ${hex64(c.expect)}` };
}

interface JsonlRecord {
  name?: string;
  insns_hex?: string;
  mem_hex?: string;
  expect?: { r0?: string; error?: string };
}

/** Cases from bpf-conformance.jsonl text; errors name the line. */
export function casesFromJsonl(text: string, file: string): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let r: JsonlRecord;
    try { r = JSON.parse(line) as JsonlRecord; } catch (e) { throw new UserError(`${file}:${i + 1}: invalid JSON: ${(e as Error).message}`); }
    if (typeof r.insns_hex !== 'string' || !r.expect) throw new UserError(`${file}:${i + 1}: record needs insns_hex and expect`);
    let insns: Insn[];
    try { insns = decodeHex(r.insns_hex); } catch (e) { throw new UserError(`${file}:${i + 1}: /insns_hex: ${(e as Error).message}`); }
    const expect = r.expect.r0 !== undefined ? BigInt(r.expect.r0) : 'reject';
    out.push({ name: r.name ?? `line ${i + 1}`, insns, mem: hexToBytes(r.mem_hex ?? ''), expect });
  });
  return out;
}

/** Split a `.data` file into its `-- name` sections. */
export function dataSections(text: string): Map<string, string> {
  const sections = new Map<string, string>();
  let cur: string | undefined;
  text.split('\n').forEach((line, i) => {
    const m = /^--\s*(.+?)\s*$/.exec(line);
    // Each section starts with as many newlines as lines precede it, so that line numbers
    // in assembler errors are the file's.
    if (m) { cur = m[1]!; sections.set(cur, '\n'.repeat(i + 1)); return; }
    if (cur !== undefined) sections.set(cur, sections.get(cur)! + line + '\n');
  });
  return sections;
}

/** One upstream `.data` file as a case. */
export function caseFromData(text: string, file: string): ConformanceCase {
  const s = dataSections(text);
  const name = path.basename(file, '.data');
  const raw = s.get('raw');
  const asm = s.get('asm');
  let insns: Insn[];
  if (raw !== undefined && raw.trim()) insns = decodeHex(raw.replace(/#.*$/gm, ''));
  else if (asm !== undefined) insns = assembleUbpf(asm, file);
  else throw new UserError(`${file}: no '-- asm' or '-- raw' section`);
  const mem = hexToBytes((s.get('mem') ?? '').replace(/#.*$/gm, ''));
  const result = (s.get('result') ?? '').replace(/#.*$/gm, '').trim();
  if (s.has('error')) return { name, insns, mem, expect: 'reject' };
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(result)) throw new UserError(`${file}: '-- result' must be a number, found '${result}'`);
  return { name, insns, mem, expect: BigInt(result) };
}

export function casesFromDir(dir: string): ConformanceCase[] {
  return readdirSync(dir).filter((f) => f.endsWith('.data')).sort()
    .map((f) => caseFromData(readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f)));
}

export interface SuiteSummary { readonly passed: number; readonly failed: number; readonly outcomes: readonly CaseOutcome[] }

export function runConformance(cases: readonly ConformanceCase[]): SuiteSummary {
  const outcomes = cases.map(runConformanceCase);
  const passed = outcomes.filter((o) => o.pass).length;
  return { passed, failed: outcomes.length - passed, outcomes };
}

/** Cases of a suite given as a .jsonl file or a directory of .data files. */
export function loadConformanceSuite(suite: string): ConformanceCase[] {
  if (statSync(suite).isDirectory()) return casesFromDir(suite);
  return casesFromJsonl(readFileSync(suite, 'utf8'), suite);
}

/** The CLI report: one line per failure, then `N passed, N failed`; the exit code (1 on any failure). */
export function reportConformance(cases: readonly ConformanceCase[], write: (line: string) => void): number {
  const s = runConformance(cases);
  for (const o of s.outcomes) if (!o.pass) write(`FAIL ${o.name}: ${o.detail}`);
  write(`${s.passed} passed, ${s.failed} failed`);
  return s.failed > 0 ? 1 : 0;
}
