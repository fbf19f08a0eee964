import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../testing/conformance.ts';
import { describeKernel } from '../../kernel/testing.ts';
import { kernelOrSkip } from '../../kernel/capability.ts';

const BIN = path.join(REPO_ROOT, 'bin/verifuzz.mjs');

function cli(args: string[], input: string, env: Record<string, string> = {}, prefix: string[] = []) {
  const [cmd, ...rest] = [...prefix, process.execPath, BIN, ...args];
  const r = spawnSync(cmd!, rest, { input, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const OK = '{"id":"ok","progType":"socket_filter","insns":"b70000002a0000009500000000000000"}';
const BAD = '{"id":"bad","progType":"socket_filter","insns":"bf210000000000009500000000000000"}';

describeKernel('verifuzz check --target kernel', () => {
  it('answers each record in order, an error line (with its line number) for a malformed one, exit 2', () => {
    const r = cli(['check', '--target', 'kernel'], [OK, '{oops', BAD, '{"id":"x","progType":"nope","insns":""}'].join('\n'));
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ id: 'ok', verdict: 'accept', insnsProcessed: 2 });
    expect(lines[1]).toMatchObject({ line: 2 });
    expect(lines[1].error).toMatch(/^line 2: invalid JSON/);
    expect(lines[2]).toEqual({ id: 'bad', verdict: 'reject', error: 'R2 !read_ok', insnsProcessed: 1 });
    expect(lines[3]).toMatchObject({ line: 4, id: 'x' });
    expect(lines[3].error).toContain("unknown program type 'nope'");
    expect(r.status).toBe(2);
  });

  it('reports retval only for programs the VM ran cleanly first', () => {
    // r0 = *(u64 *)(r10 - 8): the privileged kernel accepts the uninitialised stack read, the VM faults.
    const uninit = '{"id":"u","progType":"socket_filter","insns":"79a0f8ff000000009500000000000000"}';
    const xdp = '{"id":"x","progType":"xdp","insns":"b7000000030000009500000000000000"}';
    const r = cli(['check'], [OK, uninit, xdp].join('\n'));
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ id: 'ok', verdict: 'accept', insnsProcessed: 2, retval: 42 });
    expect(lines[1]).toEqual({ id: 'u', verdict: 'accept', insnsProcessed: 2 });
    expect(lines[2]).toMatchObject({ id: 'x', retval: 3 });
  });

  it('exits 0 when every line is well-formed', () => {
    const r = cli(['check'], `${OK}\n${BAD}\n`);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
  });
});

describe('verifuzz check without the kernel target', () => {
  it('a missing input file is one line and exit 2', () => {
    const r = cli(['check', '--input', '/nonexistent/progs.jsonl'], '', { VERIFUZZ_DISABLE_KERNEL: '0' });
    // Without bpf() the target check comes first (exit 3); with it, the file error (exit 2).
    if (kernelOrSkip().available) {
      expect(r.status).toBe(2);
      expect(r.stderr).toBe('verifuzz: /nonexistent/progs.jsonl: cannot read (ENOENT)\n');
    } else {
      expect(r.status).toBe(3);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('a usage error (unknown --flag) stops before any record is checked: exit 2, no output', () => {
    const r = cli(['check', '--flag', 'NOPE'], OK);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^verifuzz: Invalid values:/);
  });

  it('VERIFUZZ_DISABLE_KERNEL=1: exit 3 with a one-line reason', () => {
    const r = cli(['check', '--target', 'kernel'], OK, { VERIFUZZ_DISABLE_KERNEL: '1' });
    expect(r.status).toBe(3);
    expect(r.stderr).toBe('verifuzz: kernel target unavailable: the kernel target is disabled (VERIFUZZ_DISABLE_KERNEL=1)\n');
    expect(r.stdout).toBe('');
  });

  const canDropCaps = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv');
  it.skipIf(!canDropCaps)('without CAP_BPF (setpriv drops bpf and sys_admin): exit 3, one line, no stack trace', () => {
    const r = cli(['check', '--target', 'kernel'], OK, {}, [
      'setpriv', '--bounding-set=-bpf,-sys_admin', '--inh-caps=-bpf,-sys_admin']);
    expect(r.status).toBe(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^verifuzz: kernel target unavailable: bpf\(\) is not permitted \(EPERM\)/);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
