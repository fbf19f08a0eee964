import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeLog, type FooterFacts, logTail, logTextLength, readFooter, TAIL_BYTES } from './log-text.ts';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('logTextLength', () => {
  it('ends at the first NUL, not at older text the kernel left behind it', () => {
    // After bpf_vlog_reset the buffer holds: the text, a NUL, then the longer text it replaced.
    const b = Buffer.alloc(32);
    b.write('abc\n\0 old speculative line\n', 'latin1');
    expect(logTextLength(b)).toBe(4);
  });
  it('is the whole buffer when the kernel left no NUL', () => {
    expect(logTextLength(Buffer.from('xyz', 'latin1'))).toBe(3);
  });
  it('is 0 for an empty log', () => {
    expect(logTextLength(Buffer.alloc(8))).toBe(0);
  });
  it('gives the same length with any bound past the first NUL, as log_true_size is (law)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), (arr, extra) => {
      const b = Buffer.from(arr);
      const nul = b.indexOf(0);
      const want = nul < 0 ? b.length : nul;
      const bound = nul < 0 ? extra % 4000 : nul + 1 + (extra % 4000);
      expect(logTextLength(b, bound)).toBe(want);
    }), { numRuns: 300 });
  });
});

describe('decodeLog', () => {
  it('beyond its limit keeps the first and last whole lines and says how much it left out', () => {
    const text = Array.from({ length: 10 }, (_, i) => `line ${i}\n`).join(''); // 7 bytes a line
    const got = decodeLog(bytes(text), text.length, 6, 30);
    expect(got).toBe('line 0\nline 1\n... 42 bytes of the verifier log left out ...\nline 8\nline 9\n');
    expect(decodeLog(bytes(text), text.length, 6, 70)).toBe(text); // at the limit: whole
  });
  it('splits after newlines and joins the pieces back', () => {
    const text = 'line one\nline two\nthree\n';
    expect(decodeLog(bytes(text), text.length, 6)).toBe(text);
  });
  it('never cuts a multi-byte character in a piece without newlines', () => {
    const text = 'ééééé€€€𝄞𝄞';
    const b = bytes(text);
    expect(decodeLog(b, b.length, 3)).toBe(text);
  });
  it('equals a one-shot utf8 decode for any bytes, length and piece size (law)', () => {
    fc.assert(fc.property(
      fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.integer({ min: 1, max: 40 }),
      (arr, cut, piece) => {
        const b = Buffer.from(arr);
        const len = arr.length ? cut % (arr.length + 1) : 0;
        expect(decodeLog(b, len, piece)).toBe(b.toString('utf8', 0, len));
      },
    ), { numRuns: 500 });
  });
  it('equals a one-shot decode for text with newlines and non-ASCII characters (law)', () => {
    const line = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '=', 'é', '€', '𝄞', '\n'), maxLength: 200 });
    fc.assert(fc.property(line, fc.integer({ min: 1, max: 16 }), (s, piece) => {
      const b = bytes(s);
      expect(decodeLog(b, b.length, piece)).toBe(s);
    }), { numRuns: 500 });
  });
});

describe('logTail', () => {
  it('is the whole text when it is short', () => {
    expect(logTail(bytes('a\nb\n'), 4)).toBe('a\nb\n');
  });
  it('keeps whole lines from the last TAIL_BYTES of a long log', () => {
    const footer = 'processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n';
    const text = `${'0: (b7) r0 = 0\n'.repeat(500)}${footer}`;
    const tail = logTail(bytes(text), text.length);
    expect(tail.endsWith(footer)).toBe(true);
    expect(tail.length).toBeLessThanOrEqual(TAIL_BYTES);
    expect(tail.startsWith('0: (b7) r0 = 0\n')).toBe(true);
  });
  it('starts on a character boundary when the tail has no newline', () => {
    const text = 'é'.repeat(TAIL_BYTES);
    const tail = logTail(bytes(text), Buffer.byteLength(text));
    expect(tail).toBe('é'.repeat(TAIL_BYTES / 2));
  });
});

const footerOf = (text: string, len = Buffer.byteLength(text)): FooterFacts => {
  const out: FooterFacts = {};
  readFooter(bytes(text), len, out);
  return out;
};

describe('readFooter', () => {
  const footer = 'processed 3050 insns (limit 1000000) max_states_per_insn 1 total_states 370 peak_states 370 mark_read 0\nverification time 812 usec\nstack depth 0\n';
  it('reads processed and verification time from the footer lines', () => {
    expect(footerOf(`0: R1=ctx() R10=fp0\n0: (b7) r0 = 0\n${footer}`)).toEqual({ insnsProcessed: 3050, verificationTimeUs: 812 });
  });
  it('reads the 6.18 order too (verification time first) and a footer without a final newline', () => {
    expect(footerOf('verification time 21 usec\nstack depth 0\nprocessed 3 insns (limit 1000000)')).toEqual({ insnsProcessed: 3, verificationTimeUs: 21 });
  });
  it('stops at the processed line without the time when asked (levels 1/2 print no time)', () => {
    const out: FooterFacts = {};
    readFooter(bytes(footer), Buffer.byteLength(footer), out, false);
    expect(out).toEqual({ insnsProcessed: 3050 });
  });
  it('ignores the prefix inside a line, without digits, or without the suffix', () => {
    for (const text of ['x processed 5 insns\n', 'processed many insns\n', 'processed 5 bytes\n', 'verification time  usec\n']) {
      expect(footerOf(text)).toEqual({});
    }
  });
  it('looks only at the text, not past len, and only at its last TAIL_BYTES', () => {
    expect(footerOf(`${footer}${'x'.repeat(TAIL_BYTES)}\n`)).toEqual({});
    // The window starts exactly at a 'processed' that is not at a line start.
    expect(footerOf(`ab${'processed 9 insns '}${'q'.repeat(TAIL_BYTES - 18)}`)).toEqual({});
    expect(footerOf(footer, footer.indexOf('verification'))).toEqual({ insnsProcessed: 3050 });
  });
  it('agrees with the footer regexes of log-footer.ts on any log (law)', () => {
    const lineArb = fc.oneof(
      fc.constantFrom('0: (b7) r0 = 0', 'stack depth 0', 'processed  insns', 'R0 !read_ok'),
      fc.nat({ max: 99999 }).map((n) => `processed ${n} insns (limit 1000000)`),
      fc.nat({ max: 99999 }).map((n) => `verification time ${n} usec`),
      fc.string({ maxLength: 30 }).map((s) => s.replace(/\n/g, ' ')),
    );
    fc.assert(fc.property(fc.array(lineArb, { maxLength: 12 }), fc.boolean(), (lines, nl) => {
      const text = lines.join('\n') + (nl ? '\n' : '');
      if (Buffer.byteLength(text) > TAIL_BYTES) return;
      const last = (re: RegExp): number | undefined => {
        const all = [...text.matchAll(re)];
        return all.length ? Number(all[all.length - 1]![1]) : undefined;
      };
      const want: FooterFacts = {};
      const p = last(/^processed (\d+) insns/gm);
      const v = last(/^verification time (\d+) usec/gm);
      if (p !== undefined) want.insnsProcessed = p;
      if (v !== undefined) want.verificationTimeUs = v;
      expect(footerOf(text)).toEqual(want);
    }), { numRuns: 500 });
  });
});
