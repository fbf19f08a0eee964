import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../testing/conformance.ts';
import { describeKernel } from '../../kernel/testing.ts';
import { kernelOrSkip } from '../../kernel/capability.ts';

const BIN = path.join(REPO_ROOT, 'bin/verifuzz.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'verifuzz-verify-'));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

describeKernel('verifuzz verify --target kernel', () => {
  it('prints the reject reason and the level-1 log', () => {
    const r = cli(['verify', file('bad.s', 'r1 = r2\nexit\n'), '--log', '1']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('kernel: reject: R2 !read_ok [EACCES] (processed 1 insns)');
    expect(lines).toContain('--- kernel log ---');
    expect(lines).toContain('0: (bf) r1 = r2');
  });

  it('accepts examples/hello.s and summarises the parsed states', () => {
    const r = cli(['verify', path.join(REPO_ROOT, 'examples/hello.s'), '--states']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^kernel: accept \(processed 8 insns\)\n/);
    expect(r.stdout).toMatch(/kernel states: \d+ log events, 8 distinct instructions visited, 0 unknown lines/);
  });
});

describe('verifuzz verify: bad input', () => {
  // Without the kernel the target check comes first (exit 3, covered below).
  it.skipIf(!kernelOrSkip().available)('assembly errors name line:column, exit 2, one line', () => {
    const r = cli(['verify', file('bad2.s', 'r0 = foo\nexit\n')], { VERIFUZZ_DISABLE_KERNEL: '0' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^verifuzz: .*bad2\.s:1:\d+: /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an unavailable kernel is exit 3 with one line', () => {
    const r = cli(['verify', file('ok.s', 'r0 = 0\nexit\n')], { VERIFUZZ_DISABLE_KERNEL: '1' });
    expect(r.status).toBe(3);
    expect(r.stderr).toBe('verifuzz: kernel target unavailable: the kernel target is disabled (VERIFUZZ_DISABLE_KERNEL=1)\n');
  });
});
