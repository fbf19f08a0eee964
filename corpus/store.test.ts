import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { entryFileName, entryText, loadCorpus, programHash, writeEntry } from './store.ts';
import { decodeHex } from '../harness/isa/codec.ts';
import { findingEntry, seedEntry } from './entry.ts';
import { parseEntryText } from './validate-entry.ts';
import { divProgram, retProgram } from './testing.ts';
import type { Finding } from '../oracles/finding.ts';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'verifuzz-corpus-'));
const T0 = '2026-11-25T10:00:00.000Z';
const T1 = '2026-11-25T12:00:00.000Z';

const divFinding = (dst: number, k: number): Finding => ({
  oracle: 'verdict-differential', target: 'model', program: divProgram(dst, k, 0),
  evidence: { message: 'model rejects, kernel accepts', pc: 1, errors: { model: `R${dst} division by zero` } },
});

describe('corpus store', () => {
  it('writes an entry and loads it back unchanged', () => {
    const dir = tmp();
    const e = seedEntry(retProgram(7), { generator: 'manual', date: T0, asm: 'r0 = 7\nexit\n' });
    const w = writeEntry(dir, e);
    expect(w.created).toBe(true);
    expect(path.basename(w.file)).toBe(entryFileName(e));
    expect(path.basename(w.file)).toMatch(/^seed-[0-9a-f]{20}\.json$/);
    const { entries, errors } = loadCorpus(dir);
    expect(errors).toEqual([]);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.entry).toEqual(e);
    expect(entries[0]!.program.insns.map((i) => i.imm)).toEqual([7, 0]);
  });

  it('stores the same bug found twice once, counting occurrences and keeping the shorter program', () => {
    const dir = tmp();
    const a = findingEntry(divFinding(1, 5), { generator: 'alu-soup', date: T1 });
    const longer = { ...divFinding(3, 9), program: { ...divProgram(3, 9, 0), insns: [...divProgram(3, 9, 0).insns, ...retProgram(0).insns] } };
    const b = findingEntry(longer, { generator: 'alu-soup', date: T0 });
    expect(entryFileName(a)).toBe(entryFileName(b));
    writeEntry(dir, b);
    const w = writeEntry(dir, a);
    expect(w.created).toBe(false);
    expect(readdirSync(dir)).toEqual([entryFileName(a)]);
    const [only] = loadCorpus(dir).entries;
    expect(only!.entry.occurrences).toEqual({ count: 2, firstSeen: T0, lastSeen: T1 });
    expect(only!.program.insns).toHaveLength(4);
  });

  it('keeps a different bug in a different file', () => {
    const a = findingEntry(divFinding(1, 5), { generator: 'g', date: T0 });
    const c = findingEntry({ ...divFinding(1, 5), oracle: 'precision' }, { generator: 'g', date: T0 });
    expect(entryFileName(a)).not.toBe(entryFileName(c));
  });

  it('reports every malformed file with file and field path and loads the others', () => {
    const dir = tmp();
    const good = seedEntry(retProgram(1), { generator: 'manual', date: T0 });
    writeEntry(dir, good);
    writeFileSync(path.join(dir, 'bad-json.json'), '{"schemaVersion": 1,');
    const schemaBad = { ...good, status: 'bogus', occurrences: { ...good.occurrences, count: 0 } };
    writeFileSync(path.join(dir, 'bad-schema.json'), JSON.stringify(schemaBad));
    const opBad = { ...good, program: { ...good.program, insns: 'ff00000000000000' + good.program.insns } };
    writeFileSync(path.join(dir, 'bad-opcode.json'), JSON.stringify(opBad));
    const hashBad = { ...good, programHash: '0'.repeat(64) };
    writeFileSync(path.join(dir, 'bad-hash.json'), JSON.stringify(hashBad));
    const hexBad = { ...good, program: { ...good.program, insns: 'b700' } };
    writeFileSync(path.join(dir, 'bad-hex.json'), JSON.stringify(hexBad));
    mkdirSync(path.join(dir, 'a-directory.json'));

    const { entries, errors } = loadCorpus(dir);
    expect(entries.map((e) => path.basename(e.file))).toEqual([entryFileName(good)]);
    const at = (name: string) => errors.filter((e) => path.basename(e.file) === name).map((e) => [e.path, e.message]);
    expect(at('bad-json.json')).toHaveLength(1);
    expect(at('bad-json.json')[0]![0]).toBe('');
    expect(at('bad-json.json')[0]![1]).toMatch(/^invalid JSON/);
    expect(at('bad-schema.json').map(([p]) => p).sort()).toEqual(['/occurrences/count', '/status']);
    expect(at('bad-opcode.json')).toEqual([
      ['/program/insns', 'insn 0: unknown opcode 0xff'],
      ['/programHash', expect.stringMatching(/^does not match the program/)],
    ]);
    expect(at('bad-hash.json').map(([p]) => p)).toEqual(['/programHash']);
    expect(at('bad-hex.json')[0]![0]).toBe('/program/insns');
    expect(at('a-directory.json')).toEqual([['', expect.stringMatching(/^cannot read: .*EISDIR/)]]);
  });

  it('accepts invalid instructions when the entry says they are intended', () => {
    const good = seedEntry(retProgram(1), { generator: 'manual', date: T0 });
    const insns = 'ff00000000000000';
    const hash = programHash({ progType: 'socket_filter', maps: [], insns: decodeHex(insns) });
    const invalid = { ...good, program: { ...good.program, insns }, programHash: hash };
    expect(parseEntryText('x', JSON.stringify(invalid)).errors.map((e) => [e.path, e.message]))
      .toEqual([['/program/insns', 'insn 0: unknown opcode 0xff']]);
    expect(parseEntryText('x', JSON.stringify({ ...invalid, invalidInsnsIntended: true })).errors).toEqual([]);
  });

  it('refuses to write an invalid entry and leaves the directory untouched', () => {
    const dir = tmp();
    const e = seedEntry(retProgram(1), { generator: 'manual', date: T0 });
    expect(() => writeEntry(dir, { ...e, programHash: 'f'.repeat(64) })).toThrow(/programHash/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a crash between writing the temporary file and the rename leaves the old file whole', () => {
    const dir = tmp();
    const first = findingEntry(divFinding(1, 5), { generator: 'g', date: T0 });
    const w = writeEntry(dir, first);
    const before = readFileSync(w.file, 'utf8');
    const crash = (): void => { throw new Error('simulated crash'); };
    expect(() => writeEntry(dir, findingEntry(divFinding(2, 6), { generator: 'g', date: T1 }), { beforeRename: crash })).toThrow('simulated crash');
    expect(readFileSync(w.file, 'utf8')).toBe(before);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toHaveLength(1); // the orphan
    const { entries, errors } = loadCorpus(dir);
    expect(errors).toEqual([]);
    expect(entries[0]!.entry.occurrences.count).toBe(1);
  });

  it('property: after any sequence of writes every file in the directory is a valid entry', () => {
    const op = fc.record({
      kind: fc.constantFrom('seed', 'finding'),
      dst: fc.integer({ min: 0, max: 9 }),
      k: fc.integer({ min: -5, max: 5 }),
      oracle: fc.constantFrom('verdict-differential', 'precision', 'runtime-safety') as fc.Arbitrary<Finding['oracle']>,
    });
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 12 }), (ops) => {
      const dir = tmp();
      const names = new Set<string>();
      for (const o of ops) {
        const e = o.kind === 'seed'
          ? seedEntry(retProgram(o.k), { generator: 'g', date: T0 })
          : findingEntry({ ...divFinding(o.dst, o.k), oracle: o.oracle }, { generator: 'g', date: T0 });
        names.add(writeEntry(dir, e).file);
        for (const f of readdirSync(dir)) {
          const v = parseEntryText(f, readFileSync(path.join(dir, f), 'utf8'));
          expect(v.errors).toEqual([]);
        }
      }
      const { entries, errors } = loadCorpus(dir);
      expect(errors).toEqual([]);
      expect(entries).toHaveLength(names.size);
      expect(entries.reduce((n, e) => n + e.entry.occurrences.count, 0)).toBe(ops.length);
    }), { numRuns: 40 });
  });

  it('moves an invalid stored entry aside instead of overwriting it', () => {
    const dir = tmp();
    const e = seedEntry(retProgram(3), { generator: 'manual', date: T0 });
    const file = path.join(dir, entryFileName(e));
    writeFileSync(file, '{ hand edit gone wrong');
    const w = writeEntry(dir, e);
    expect(w.created).toBe(true);
    expect(readFileSync(`${file}.invalid-1`, 'utf8')).toBe('{ hand edit gone wrong');
    expect(loadCorpus(dir)).toEqual({ entries: [expect.objectContaining({ entry: e })], errors: [] });
  });

  it('writes canonical text (2-space JSON with a trailing newline)', () => {
    const e = seedEntry(retProgram(1), { generator: 'manual', date: T0 });
    const text = entryText(e);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "schemaVersion": 1,');
  });
});
