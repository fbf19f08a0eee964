import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { detectKind, parseProgramText, readFileText, readProgramSource, writeOutput } from './io.ts';
import { UserError } from '../errors.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'verifuzz-io-'));
});

describe('detectKind', () => {
  it.each([
    ['{"progType":"xdp","insns":""}', 'json'],
    ['  {', 'json'],
    ['b700000000000000 9500000000000000\n', 'hex'],
    ['0xb700000000000000\n0x9500000000000000', 'hex'],
    ['b700000000000000 950000000000zz00', 'hex'],
    ['r0 = 0\nexit\n', 'asm'],
    ['exit', 'asm'],
  ])('%j is %s', (text, kind) => {
    expect(detectKind(text)).toBe(kind);
  });
});

describe('readProgramSource', () => {
  it('reads the three formats to the same program', async () => {
    const files = {
      'p.json': '{"progType": "socket_filter", "insns": "b7000000000000009500000000000000"}',
      'p.hex': 'b700000000000000\n9500000000000000\n',
      'p.s': 'r0 = 0\nexit\n',
    };
    const got = [];
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(path.join(dir, name), text);
      got.push(await readProgramSource(path.join(dir, name)));
    }
    expect(got.map((g) => g.source)).toEqual(['json', 'hex', 'asm']);
    for (const g of got) expect(g.program.insns).toEqual([
      { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ]);
    expect(got[1]!.program.progType).toBe('socket_filter');
  });

  it('uses the default program type for hex and directive-less assembly', () => {
    expect(parseProgramText('9500000000000000', 'hex', 'x', { defaultProgType: 'xdp' }).progType).toBe('xdp');
    expect(parseProgramText('.prog sched_cls\nexit', 'asm', 'x', { defaultProgType: 'xdp' }).progType).toBe('sched_cls');
  });

  it.each([
    ['missing file', null, /nope\.s: cannot read \(ENOENT\)/],
    ['bad JSON', '{"progType": "xdp",\n "insns": }', /bad\.txt(:2:\d+)?: invalid JSON/],
    ['bad field', '{"progType": "xdp", "insns": 5}', /bad\.txt: \/insns: must be string/],
    ['bad hex', 'b700000000000000 9500', /bad\.txt: bad hex: .*byte offset 8/],
    ['bad assembly', 'r0 = 0\nr0 = *(u64 *)(r10 -8', /bad\.txt:2:21: expected '\)'/],
  ])('%s is a UserError saying where', async (_what, text, re) => {
    const file = path.join(dir, text === null ? 'nope.s' : 'bad.txt');
    if (text !== null) writeFileSync(file, text);
    const err = await readProgramSource(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(re);
  });
});

describe('writeOutput', () => {
  it('writes the whole file and leaves no temp file behind', async () => {
    const out = path.join(dir, 'out.txt');
    await writeOutput(out, 'hello\n');
    expect(readFileSync(out, 'utf8')).toBe('hello\n');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fails with a UserError when the folder does not exist', async () => {
    await expect(writeOutput(path.join(dir, 'no/such/dir/x'), 'x')).rejects.toThrow(UserError);
  });
});

describe('readFileText', () => {
  it('names the file and the reason for a directory or a missing file (a UserError, not a crash)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vf-read-'));
    expect(() => readFileText(dir)).toThrow(UserError);
    expect(() => readFileText(dir)).toThrow(`${dir}: cannot read (EISDIR)`);
    expect(() => readFileText(path.join(dir, 'none.json'))).toThrow(`${path.join(dir, 'none.json')}: cannot read (ENOENT)`);
  });
});
