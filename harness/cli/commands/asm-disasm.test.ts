import { describe, it, expect, vi, afterEach } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../main.ts';
import { REPO_ROOT } from '../../testing/conformance.ts';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

const dir = mkdtempSync(path.join(tmpdir(), 'verifuzz-cli-'));
const hello = path.join(REPO_ROOT, 'examples/hello.s');

describe('verifuzz asm / disasm', () => {
  it('assembles examples/hello.s to hex, one slot per line', async () => {
    const r = await run(['asm', hello]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('620afcff00000000'); // *(u32 *)(r10 -4) = 0
    expect(lines).toContain('1851000000000000'); // r1 = map[0] ll
    expect(lines.every((l) => /^[0-9a-f]{16}$/.test(l))).toBe(true);
  });

  it('asm --format json | disasm gives a listing that assembles to the same bytes', async () => {
    const json = path.join(dir, 'hello.json');
    expect((await run(['asm', '--format', 'json', '-o', json, hello])).code).toBe(0);
    const p = JSON.parse(readFileSync(json, 'utf8'));
    expect(p.progType).toBe('socket_filter');
    expect(p.maps).toEqual([{ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 }]);
    const d = await run(['disasm', json]);
    expect(d.code).toBe(0);
    expect(d.out).toContain('.map 0 array key=4 value=8 entries=1');
    const s = path.join(dir, 'round.s');
    writeFileSync(s, d.out);
    const again = await run(['asm', '--format', 'json', s]);
    expect(JSON.parse(again.out).insns).toBe(p.insns);
  });

  it('disasm --kernel prints the log lines numbered by slot', async () => {
    const r = await run(['disasm', '--kernel', hello]);
    expect(r.out.split('\n').slice(3, 5)).toEqual(['3: (18) r1 = 0x0', '5: (85) call bpf_map_lookup_elem#1']);
  });

  it.each([
    [['asm', path.join(dir, 'missing.s')], /missing\.s: cannot read \(ENOENT\)/],
    [['asm', 'BAD_ASM'], /bad\.s:2:4: expected an assignment operator/],
    [['disasm', 'BAD_HEX'], /bad\.hex: bad hex: .*byte offset/],
    [['disasm', 'BAD_JSON'], /bad\.json.*invalid JSON/],
    [['disasm', '--strict', 'INVALID'], /insn 1: unknown opcode 0xff/],
    [['asm', 'INVALID_TEXT'], /inv\.s:1:1: invalid instruction: opcode 0xbc \(mov32\): off=32/],
  ])('%j: one line on stderr, exit 2', async (args, re) => {
    const files: Record<string, [string, string]> = {
      BAD_ASM: ['bad.s', 'r0 = 0\nr0 +\n'], BAD_HEX: ['bad.hex', 'b700000000000000 95000000'],
      BAD_JSON: ['bad.json', '{"progType": '], INVALID: ['inv.hex', 'b700000000000000 ff00000000000000'],
      INVALID_TEXT: ['inv.s', 'w1 = (s32)w2'],
    };
    const real = args.map((a) => {
      const f = files[a];
      if (!f) return a;
      writeFileSync(path.join(dir, f[0]), f[1]);
      return path.join(dir, f[0]);
    });
    const r = await run(real);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(re);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('disasm without --strict keeps invalid instructions as .raw with the rule', async () => {
    writeFileSync(path.join(dir, 'inv2.hex'), 'b700000000000000 ff00000000000000');
    const r = await run(['disasm', path.join(dir, 'inv2.hex')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('.raw ff00000000000000 // invalid: unknown opcode 0xff');
  });
});
