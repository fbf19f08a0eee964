/**
 * The kernel's own verifier tests (kernel-verifier.jsonl) run through the model: records become
 * Programs (map fixups turned into maps by index), records outside the model's scope are counted
 * by category, and every in-scope record is compared with what the live 6.18 kernel said
 * (verdict, and the last log line for rejects).
 */
import { decodeHex, DecodeError } from '../isa/codec.ts';
import type { Insn } from '../isa/insn.ts';
import { type MapDef, type Program, PROG_FLAGS, isProgType } from '../isa/program.ts';
import { progTypeSpec } from './spec/prog-types.ts';
import { type VerifyResult, verify } from './index.ts';

export interface KernelVerifierRecord {
  name: string;
  source: string;
  insns_hex: string | null;
  prog_type: string;
  maps?: { kind: string; insn_index: number }[];
  kfuncs?: unknown[];
  btf_types?: unknown;
  func_info?: unknown;
  prog_flags?: number;
  live_6_18: { verdict?: 'accept' | 'reject'; log_tail?: string[]; insns_processed?: number };
}

const NO_PREALLOC = 1;
/** Records the kernel needs more work for than a unit test should spend. */
export const MAX_PROCESSED = 100_000;
const MAP_KINDS: Readonly<Record<string, MapDef>> = {
  hash_8b: { type: 'hash', keySize: 8, valueSize: 8, maxEntries: 1, flags: NO_PREALLOC },
  hash_16b: { type: 'hash', keySize: 8, valueSize: 16, maxEntries: 1, flags: NO_PREALLOC },
  hash_48b: { type: 'hash', keySize: 8, valueSize: 48, maxEntries: 1, flags: NO_PREALLOC },
  array_48b: { type: 'array', keySize: 4, valueSize: 48, maxEntries: 1 },
  array_ro: { type: 'array', keySize: 4, valueSize: 48, maxEntries: 1, flags: 1 << 7 },
  array_wo: { type: 'array', keySize: 4, valueSize: 48, maxEntries: 1, flags: 1 << 8 },
  array_small: { type: 'array', keySize: 4, valueSize: 1, maxEntries: 1 },
  prog1: { type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 4 },
  prog2: { type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 8 },
  ringbuf: { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 },
};

export type Scope =
  | { readonly inScope: true; readonly program: Program }
  | { readonly inScope: false; readonly category: string; readonly decodeError?: string };

/** Is the record something the model covers, and if so, its Program. */
export function recordToProgram(r: KernelVerifierRecord): Scope {
  if (!r.live_6_18.verdict) return { inScope: false, category: 'not evaluated live (skipped / environment blocked)' };
  if (r.insns_hex === null) return { inScope: false, category: 'big generated programs (sidecar file)' };
  if ((r.live_6_18.insns_processed ?? 0) > MAX_PROCESSED) return { inScope: false, category: `over ${MAX_PROCESSED} insns processed by the kernel (test time budget)` };
  if (r.kfuncs?.length) return { inScope: false, category: 'kfuncs' };
  if (r.btf_types || r.func_info) return { inScope: false, category: 'BTF-dependent' };
  if (!isProgType(r.prog_type) || !progTypeSpec(r.prog_type)) return { inScope: false, category: `program type ${r.prog_type} not modelled` };
  const kinds = [...new Set((r.maps ?? []).map((m) => m.kind))];
  const missing = kinds.find((k) => !MAP_KINDS[k]);
  if (missing) return { inScope: false, category: `map kind ${missing} not modelled` };
  let insns: Insn[];
  try {
    insns = decodeHex(r.insns_hex);
  } catch (e) {
    if (e instanceof DecodeError) return { inScope: false, category: 'undecodable bytecode', decodeError: e.message };
    throw e;
  }
  const slotToIdx = new Map<number, number>();
  let s = 0;
  insns.forEach((insn, i) => { slotToIdx.set(s, i); s += insn.code === 0x18 ? 2 : 1; });
  const maps = kinds.map((k) => MAP_KINDS[k]!);
  for (const m of r.maps ?? []) {
    const i = slotToIdx.get(m.insn_index);
    if (i === undefined) continue;
    const insn = insns[i]!;
    insns[i] = { ...insn, src: insn.src === 2 ? 6 : 5, imm: kinds.indexOf(m.kind) };
  }
  const flags = ((r.prog_flags ?? 0) | PROG_FLAGS.BPF_F_TEST_REG_INVARIANTS) >>> 0;
  return { inScope: true, program: { progType: r.prog_type, insns, maps, flags } };
}

/** The kernel's reason line from a log tail: the last line, skipping state dumps after an error. */
export function kernelReason(tail: readonly string[] | undefined): string | undefined {
  if (!tail?.length) return undefined;
  const loop = tail.find((l) => l.startsWith('infinite loop detected'));
  return loop ?? tail[tail.length - 1];
}

export interface SuiteCase {
  readonly record: KernelVerifierRecord;
  readonly result: VerifyResult;
  readonly kernelVerdict: 'accept' | 'reject';
  readonly kernelError?: string;
}

export interface SuiteReport {
  readonly total: number;
  readonly excluded: Map<string, number>;
  readonly cases: SuiteCase[];
  readonly verdictAgree: number;
  readonly bothReject: number;
  readonly errorAgree: number;
}

export function runKernelVerifierSuite(records: readonly KernelVerifierRecord[]): SuiteReport {
  const excluded = new Map<string, number>();
  const cases: SuiteCase[] = [];
  const exclude = (c: string): void => { excluded.set(c, (excluded.get(c) ?? 0) + 1); };
  for (const r of records) {
    const scope = recordToProgram(r);
    if (!scope.inScope) { exclude(scope.category); continue; }
    const result = verify(scope.program);
    if (result.unsupported) { exclude(result.unsupported.replace(/#\d+/, '').replace(/^model: /, '')); continue; }
    const kernelError = kernelReason(r.live_6_18.log_tail);
    cases.push({ record: r, result, kernelVerdict: r.live_6_18.verdict!, ...(kernelError ? { kernelError } : {}) });
  }
  const verdictAgree = cases.filter((c) => c.result.verdict === c.kernelVerdict).length;
  const both = cases.filter((c) => c.result.verdict === 'reject' && c.kernelVerdict === 'reject');
  const errorAgree = both.filter((c) => c.result.error === c.kernelError).length;
  return { total: records.length, excluded, cases, verdictAgree, bothReject: both.length, errorAgree };
}

/** Human-readable disagreements, biggest categories first. */
export function describeDisagreements(rep: SuiteReport): string {
  const lines: string[] = [];
  const bad = rep.cases.filter((c) => c.result.verdict !== c.kernelVerdict || (c.kernelVerdict === 'reject' && c.result.error !== c.kernelError));
  for (const c of bad) {
    lines.push(`${c.record.source} :: ${c.record.name}`);
    lines.push(`  kernel: ${c.kernelVerdict}${c.kernelError ? ` | ${c.kernelError}` : ''}`);
    lines.push(`  model:  ${c.result.verdict}${c.result.error ? ` | ${c.result.error}` : ''}`);
  }
  return lines.join('\n') + '\n';
}

/** `verifuzz conformance --suite kernel-verifier.jsonl --target model`: prints the agreement and
 * each disagreement; exit 0 when verdicts agree on >= 95% and reject reasons on >= 80%. */
export function reportKernelVerifierModel(records: readonly KernelVerifierRecord[], print: (line: string) => void): number {
  const rep = runKernelVerifierSuite(records);
  const n = rep.cases.length;
  const vp = n ? (100 * rep.verdictAgree) / n : 0;
  const ep = rep.bothReject ? (100 * rep.errorAgree) / rep.bothReject : 100;
  const dis = describeDisagreements(rep).trim();
  if (dis) print(dis);
  print(`excluded: ${[...rep.excluded.values()].reduce((a, b) => a + b, 0)} records (${[...rep.excluded].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, v]) => `${v} ${k}`).join('; ')}; ...)`);
  print(`model vs live 6.18: ${rep.verdictAgree}/${n} verdicts agree (${vp.toFixed(1)}%), ${rep.errorAgree}/${rep.bothReject} reject reasons agree (${ep.toFixed(1)}%)`);
  return vp >= 95 && ep >= 80 ? 0 : 1;
}
