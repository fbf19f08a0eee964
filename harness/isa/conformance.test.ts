/**
 * The ISA front end against the external suites in ../shared/conformance (read at test time,
 * never copied): every program decodes and re-encodes byte for byte, disassembles and
 * re-assembles byte for byte, and the must-reject programs are refused by `checkInsns`.
 */
import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { conformancePath, readJsonl } from '../testing/conformance.ts';
import { type Insn } from './insn.ts';
import { decode, decodeHex, encode, encodeHex, hexToBytes } from './codec.ts';
import { checkInsns } from './validate.ts';
import { listInsns, listingLine } from './disasm.ts';
import { assembleInsns } from './asm.ts';
import { helperId } from './helpers.ts';

interface ConfRecord { name: string; insns_hex: string; negative?: boolean; expect: { r0?: string; error?: string } }
interface KvRecord { name: string; insns_hex: string | null; insns_hex_in?: { sha256_of_bytes: string } }

const roundTrips = (hex: string): boolean => encodeHex(assembleInsns(listInsns(decodeHex(hex)))) === hex;

/** Each listing line is context-free (pc-relative jumps), so a huge program round-trips iff its distinct lines do. */
function distinctRoundTrip(insns: readonly Insn[]): { distinct: number; ok: boolean } {
  const byLine = new Map<string, { hex: string; line: string }>();
  for (const insn of insns) {
    const key = `${insn.code},${insn.dst},${insn.src},${insn.off},${insn.imm},${insn.hi ? `${insn.hi.code},${insn.hi.dst},${insn.hi.src},${insn.hi.off},${insn.hi.imm}` : ''}`;
    if (!byLine.has(key)) byLine.set(key, { hex: encodeHex([insn]), line: listingLine(insn) });
  }
  const entries = [...byLine.values()];
  const text = entries.map((e) => e.line).join('\n');
  return { distinct: byLine.size, ok: encodeHex(assembleInsns(text)) === entries.map((e) => e.hex).join('') };
}

describe('bpf-conformance.jsonl', () => {
  const file = conformancePath('bpf-conformance.jsonl');
  it.skipIf(!file)('decodes, re-encodes and re-assembles all programs; refuses the negative ones', () => {
    const recs = readJsonl<ConfRecord>(file!);
    let reencoded = 0, reassembled = 0, negRefused = 0, posValid = 0;
    const negatives = recs.filter((r) => r.negative);
    for (const r of recs) {
      if (encodeHex(decodeHex(r.insns_hex)) === r.insns_hex) reencoded++;
      if (roundTrips(r.insns_hex)) reassembled++;
      const bad = checkInsns(decodeHex(r.insns_hex));
      if (r.negative && bad.length > 0 && bad.every((v) => v.message.length > 0)) negRefused++;
      if (!r.negative && bad.length === 0) posValid++;
    }
    console.log(`bpf-conformance: ${recs.length} programs, ${reencoded} re-encoded, ${reassembled} re-assembled; `
      + `${negRefused}/${negatives.length} negative refused by checkInsns; ${posValid}/${recs.length - negatives.length} positive pass checkInsns`);
    expect(recs.length).toBe(358);
    expect(reencoded).toBe(358);
    expect(reassembled).toBe(358);
    expect(negatives.length).toBe(45);
    expect(negRefused).toBe(45);
  });
});

describe('kernel-verifier.jsonl', () => {
  const file = conformancePath('kernel-verifier.jsonl');
  const big = conformancePath('kernel-verifier-big-programs.jsonl.gz');

  it.skipIf(!file)('decodes, disassembles and re-assembles the 1381 inline programs byte for byte', () => {
    const recs = readJsonl<KvRecord>(file!);
    const inline = recs.filter((r) => r.insns_hex !== null);
    const failures = inline.filter((r) => !roundTrips(r.insns_hex!)).map((r) => r.name);
    console.log(`kernel-verifier: ${inline.length - failures.length}/${inline.length} inline programs round-trip`
      + (failures.length ? `; first failures: ${failures.slice(0, 5).join('; ')}` : ''));
    expect(recs.length).toBe(1384);
    expect(inline.length).toBe(1381);
    expect(failures).toEqual([]);
  });

  it.skipIf(!file || !big)('does the same for the 3 programs of ~1M insns (sidecar .gz), checking their sha256', () => {
    const bigRecs = readJsonl<KvRecord>(file!).filter((r) => r.insns_hex === null);
    const bigByName = new Map(readJsonl<{ name: string; insns_hex: string }>(big!).map((r) => [r.name, r.insns_hex]));
    let bigOk = 0, bigInsns = 0, bigDistinct = 0;
    for (const r of bigRecs) {
      const bytes = hexToBytes(bigByName.get(r.name)!);
      const sha = createHash('sha256').update(bytes).digest('hex');
      const insns = decode(bytes);
      const rt = distinctRoundTrip(insns);
      bigInsns += insns.length;
      bigDistinct += rt.distinct;
      if (sha === r.insns_hex_in?.sha256_of_bytes && Buffer.compare(encode(insns), bytes) === 0 && rt.ok) bigOk++;
    }
    console.log(`kernel-verifier big programs: ${bigOk}/${bigRecs.length} round-trip `
      + `(${bigInsns} insns, ${bigDistinct} distinct lines re-assembled)`);
    expect(bigRecs.length).toBe(3);
    expect(bigOk).toBe(3);
  });
});

describe('kernel-verifier-inline-asm.jsonl (syntax coverage)', () => {
  const file = conformancePath('kernel-verifier-inline-asm.jsonl');
  interface InlineRecord { asm: string | string[] | null; asm_is_raw_c?: boolean; asm_operands?: string[] }
  /** Stand-ins for the C operands (`%[name]`): constants, map addresses, helpers; kfuncs by a dummy id. */
  function substitute(r: InlineRecord): string {
    const ops = (r.asm_operands ?? []).join(' ');
    const has = (macro: string, name: string): boolean => ops.includes(`${macro}(${name},`) || ops.includes(`${macro}(${name})`);
    const text = Array.isArray(r.asm) ? r.asm.join('\n') : r.asm!;
    return text.replace(/%\[(\w+)\]/g, (_m, name: string) => {
      if (has('__imm_const', name)) return '7';
      if (has('__imm_addr', name) || has('__imm_ptr', name)) return 'map[0]';
      if (has('__imm_insn', name)) return '0x95';
      return name.startsWith('bpf_') && helperId(name) === undefined ? 'kernel-function#1' : name;
    }).replace(/%%/g, '%');
  }
  it.skipIf(!file)('assembles most inline-asm test functions (operands substituted)', () => {
    const recs = readJsonl<InlineRecord>(file!).filter((r) => r.asm && !r.asm_is_raw_c);
    let ok = 0;
    for (const r of recs) {
      try {
        assembleInsns(substitute(r));
        ok++;
      } catch {
        // counted as a miss: cross-function calls, .rept, C expressions as operands
      }
    }
    console.log(`kernel-verifier-inline-asm: ${ok}/${recs.length} functions assemble `
      + `(misses: calls into other functions, .rept, operands that are C expressions or registers)`);
    expect(recs.length).toBeGreaterThan(1500);
    expect(ok / recs.length).toBeGreaterThanOrEqual(0.8);
  });
});
