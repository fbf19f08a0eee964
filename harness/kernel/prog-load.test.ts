import { describe, it, expect } from 'vitest';
import { describeKernel } from './testing.ts';
import { progLoad, LOG_LEVEL } from './prog-load.ts';
import { testRun } from './test-run.ts';
import { closeFd } from './syscall.ts';
import { PROG_LOAD, PROG_LOAD_SIZE, TEST_RUN, TEST_RUN_SIZE } from './attr.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// r0 = 42; exit
const RET42 = hex('b70000002a000000 9500000000000000');
// r1 = r2; exit  (R2 is not initialised)
const BAD = hex('bf21000000000000 9500000000000000');

describe('bpf_attr layouts (6.18 uapi)', () => {
  it('puts fd_array at 120 and log_true_size at 140 of a 144-byte PROG_LOAD attr', () => {
    expect([PROG_LOAD.fd_array, PROG_LOAD.log_true_size, PROG_LOAD_SIZE]).toEqual([120, 140, 144]);
  });
  it('lays out the test_run attr through batch_size', () => {
    expect([TEST_RUN.retval, TEST_RUN.ctx_in, TEST_RUN.batch_size, TEST_RUN_SIZE]).toEqual([4, 48, 72, 80]);
  });
});

describeKernel('progLoad / testRun on the live kernel', () => {
  const log = Buffer.alloc(1 << 16);

  it('loads r0=42 at log level 0 and test_run returns 42 on a 64-byte packet', () => {
    const r = progLoad({ progType: 1, insns: RET42 });
    expect(r.errno).toBe(0);
    expect(r.fd).toBeGreaterThanOrEqual(0);
    const run = testRun({ progFd: r.fd, data: new Uint8Array(64) });
    closeFd(r.fd);
    expect(run.errno).toBe(0);
    expect(run.retval).toBe(42);
    expect(run.dataOut?.length).toBe(64);
  });

  it('rejects an uninitialised read with EACCES and the kernel text at level 1', () => {
    const r = progLoad({ progType: 1, insns: BAD, logLevel: LOG_LEVEL.LEVEL1, logBuf: log });
    expect(r.fd).toBe(-1);
    expect(r.errno).toBe(13);
    expect(r.log).toContain('R2 !read_ok');
    expect(r.logTrueSize).toBe(Buffer.byteLength(r.log) + 1);
  });

  it('fails with ENOSPC when the log buffer is too small, even for a valid program', () => {
    const r = progLoad({ progType: 1, insns: RET42, logLevel: LOG_LEVEL.LEVEL2, logBuf: Buffer.alloc(32) });
    expect(r.fd).toBe(-1);
    expect(r.errno).toBe(28);
    expect(r.logTrueSize).toBeGreaterThan(32);
  });
});
