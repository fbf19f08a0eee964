/**
 * `verifuzz run` end to end (the real binary): r0, the fault with the faulting instruction,
 * --trace, --json, and one-line errors with exit 2 for bad input.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../testing/conformance.ts';

const BIN = path.join(REPO_ROOT, 'bin/verifuzz.mjs');
const cli = (args: string[], input = '') => {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('verifuzz run', () => {
  it('prints r0 and the instruction count', () => {
    const r = cli(['run', '-'], 'b7000000070000009500000000000000');
    expect(r.stdout).toBe('r0 = 0x7 (7), 2 instructions executed\n');
    expect(r.status).toBe(0);
  });
  it('prints a fault with the disassembled faulting instruction, exit 1', () => {
    const r = cli(['run', '-'], 'b7010000000000007910080000000000950000000000000000');
    expect(r.status).toBe(2); // ragged hex: bad input
    const f = cli(['run', '-'], 'b701000000000000791008000000000095000000000000000');
    expect(f.status).toBe(2);
    const g = cli(['run', '-'], 'b70100000000000079100800000000009500000000000000');
    expect(g.stdout.split('\n').slice(0, 2)).toEqual([
      'fault: null_deref at insn 1: NULL pointer dereference (read of 8 bytes at 0x0000000000000008)',
      '  1: (79) r0 = *(u64 *)(r1 +8)',
    ]);
    expect(g.status).toBe(1);
  });
  it('--trace lists each instruction with the registers before it; --json is machine-readable', () => {
    const t = cli(['run', '-', '--trace'], 'b700000007000000070000000100000095000000000000000');
    expect(t.status).toBe(2);
    const tr = cli(['run', '-', '--trace'], 'b70000000700000007000000010000009500000000000000');
    const lines = tr.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^ {3}1: \(07\) r0 \+= 1 +; r0=0x7 r1=ctx\+0 r10=stack\+512$/);
    const j = JSON.parse(cli(['run', '-', '--json', '--packet', '00'.repeat(20)], 'b70000000700000007000000010000009500000000000000').stdout);
    expect(j).toMatchObject({ kind: 'ok', r0: '0x8', insnCount: 3, packetOut: '00'.repeat(20) });
  });
  it('bad input: one line on stderr, exit 2', () => {
    const missing = cli(['run', '/nonexistent/x.s']);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const badPacket = cli(['run', '-', '--packet', 'zz'], 'b70000000700000095000000000000000');
    expect(badPacket.status).toBe(2);
    const refused = cli(['run', '-'], 'ff00000000000000');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^verifuzz: .*insn 0: unknown opcode 0xff\n$/);
  });
  it('a non-numeric --budget is a usage error, not an unlimited run (yargs would read it as NaN)', () => {
    const loop = 'b7000000000000000500ffff00000000'; // r0 = 0; goto -1: runs until the budget
    const bad = cli(['run', '-', '--budget', 'abc'], loop);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("verifuzz: --budget: 'abc' must be a whole number of at least 1\n");
    const ok = cli(['run', '-', '--budget', '1000'], loop);
    expect(ok.status).toBe(1);
    expect(ok.stdout).toMatch(/^fault: budget at insn 1: instruction budget of 1000 exhausted/);
  });
});
