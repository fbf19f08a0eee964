/**
 * Data-driven: the live kernel's own logs of every kernel-verifier.jsonl record the kernel target
 * can load, at log level 2 and at level 1 with the BPF_LOG_STATS footer.
 *  - the parser reads every line (0 `unknown` events);
 *  - parse + render gives the log back byte for byte;
 *  - the instruction text of every `N: (op) text` line and every liveness-table row equals the
 *    ISA disassembler's text for instruction N (map addresses normalised): at least 99%.
 */
import { describe, it, expect } from 'vitest';
import { conformancePath, readJsonl } from '../../testing/conformance.ts';
import { describeKernel } from '../testing.ts';
import { decode } from '../../isa/codec.ts';
import { layoutOf, type Insn } from '../../isa/insn.ts';
import { kernelInsnText, type KernelTextOptions } from '../../isa/disasm.ts';
import { vmlinuxBtf } from '../btf/vmlinux.ts';
import { LOG_LEVEL } from '../prog-load.ts';
import type { SelftestRecord } from '../selftest/record.ts';
import { renderLog } from '../../verifier/log.ts';
import { parseVerifierLog } from './parse.ts';
import { selftestRecordLogs } from './selftest-logs.ts';

const FILE = conformancePath('kernel-verifier.jsonl');
const LEVELS = [LOG_LEVEL.LEVEL2, LOG_LEVEL.LEVEL1 | LOG_LEVEL.STATS];
/** ld_imm64 pseudo sources the kernel rewrites to addresses before printing (map fd/value, btf id, map idx). */
const ADDRESS_SRCS = new Set([1, 2, 3, 5, 6]);

interface Tally {
  records: number; loads: number; lines: number; unknownTotal: number; unknown: string[];
  renderDiffTotal: number; renderDiffs: string[];
  insnLines: number; insnSame: number; mismatches: string[]; skipped: Map<string, number>;
}

/**
 * The verifier names a kfunc call by its BTF type name (disasm_kfunc_name): type 0 is the
 * nameless void, so an unresolved `call` with imm 0 prints as `call #0`.
 */
const VERIFIER_TEXT: KernelTextOptions = {
  kfuncName: (btfId, off) => (off !== 0 ? undefined : btfId === 0 ? '' : vmlinuxBtf().type(btfId)?.name),
};

/** Our normalised text of the instruction at each slot (computed once per record: loops repeat pcs). */
function ourTextBySlot(bytes: Buffer): Map<number, { insn: Insn; text: string }> | undefined {
  try {
    const insns = decode(bytes);
    const { slotOfPc } = layoutOf(insns);
    return new Map(insns.map((insn, i) => [slotOfPc[i]!, { insn, text: normalise(kernelInsnText(insn, VERIFIER_TEXT), insn) }]));
  } catch {
    return undefined;
  }
}

const normalise = (text: string, insn: Insn | undefined): string =>
  insn && insn.code === 0x18 && ADDRESS_SRCS.has(insn.src) ? text.replace(/= 0x[0-9a-f]+$/, '= <address>') : text;

type Slots = Map<number, { insn: Insn; text: string }> | undefined;

function checkDisasm(t: Tally, name: string, slots: Slots, pc: number, code: number, text: string): void {
  t.insnLines++;
  const ours = slots?.get(pc);
  const want = normalise(`(${code.toString(16).padStart(2, '0')}) ${text}`, ours?.insn);
  const got = ours?.text ?? '<no instruction at this slot>';
  if (got === want) t.insnSame++;
  else if (t.mismatches.length < 15) t.mismatches.push(`${name} @${pc}: kernel '${want}' ours '${got}'`);
}

function tallyLog(t: Tally, name: string, log: string, slots: Slots): void {
  const parsed = parseVerifierLog(log);
  t.loads++;
  t.lines += parsed.lines;
  t.unknownTotal += parsed.unknown.length;
  for (const u of parsed.unknown) if (t.unknown.length < 10) t.unknown.push(`${name} line ${u.line}: ${u.text}`);
  if (renderLog(parsed.events) !== log) {
    t.renderDiffTotal++;
    if (t.renderDiffs.length < 5) t.renderDiffs.push(name);
  }
  for (const e of parsed.events) {
    if (e.kind === 'insn' || e.kind === 'live_regs') checkDisasm(t, name, slots, e.pc, e.code, e.text);
  }
}

describe.skipIf(FILE === undefined)('kernel-verifier.jsonl logs', () => {
  describeKernel('parsed from the live kernel', () => {
    it('parses every line, renders back, and matches the disassembler', () => {
      const records = readJsonl<SelftestRecord>(FILE!);
      const t: Tally = {
        records: 0, loads: 0, lines: 0, unknownTotal: 0, unknown: [], renderDiffTotal: 0, renderDiffs: [], insnLines: 0, insnSame: 0,
        mismatches: [], skipped: new Map(),
      };
      for (const rec of records) {
        if (rec.insns_hex === null) {
          // The three ~1M-instruction programs: a level-2 log of each is well over 100 MB.
          t.skipped.set('1M-insn sidecar program', (t.skipped.get('1M-insn sidecar program') ?? 0) + 1);
          continue;
        }
        const r = selftestRecordLogs(rec, FILE!, LEVELS);
        if (r.skipped) {
          t.skipped.set(r.skipped, (t.skipped.get(r.skipped) ?? 0) + 1);
          continue;
        }
        t.records++;
        const slots = ourTextBySlot(r.insns!);
        for (const l of r.logs) tallyLog(t, rec.name, l.log, slots);
      }
      const rate = t.insnSame / Math.max(1, t.insnLines);
      console.log(`kernel logs: ${t.records} records, ${t.loads} loads, ${t.lines} lines parsed, `
        + `${t.unknownTotal} unknown, ${t.loads - t.renderDiffTotal}/${t.loads} logs re-rendered byte for byte`);
      console.log(`skipped: ${JSON.stringify(Object.fromEntries(t.skipped))}`);
      if (t.unknown.length) console.log(`first unknown lines:\n  ${t.unknown.join('\n  ')}`);
      if (t.renderDiffs.length) console.log(`first logs that render differently: ${t.renderDiffs.join(', ')}`);
      console.log(`disassembly fidelity: ${t.insnSame}/${t.insnLines} instruction texts equal (${(rate * 100).toFixed(3)}%)`);
      if (t.mismatches.length) console.log(`first mismatches:\n  ${t.mismatches.join('\n  ')}`);
      expect(t.records).toBeGreaterThan(1300);
      expect(t.unknownTotal).toBe(0);
      expect(t.renderDiffTotal).toBe(0);
      expect(rate).toBeGreaterThanOrEqual(0.99);
    }, 600_000);
  });
});
