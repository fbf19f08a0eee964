/**
 * The verifier log buffer as text: where the text ends, the text itself, and its tail (where
 * the stats footer is).
 *
 * Why pieces: a level-2 log is up to several MB. Decoding it with one `toString` makes V8
 * allocate a large-object-space string, i.e. fresh pages on every load, and page faults are
 * very costly in this VM: 4.5 ms for an 846 KB log, most of a 6 ms load. Decoding it in pieces
 * of at most PIECE bytes (young-generation strings, whose memory is reused) and concatenating
 * them (V8 builds a rope, no copy) costs ~0.1 ms. A consumer that needs the flat string (a
 * regex, `split`) pays the flattening once, as it paid the big decode before.
 *
 * Invariant: `decodeLog(buf, len)` equals `buf.toString('utf8', 0, len)` for every buffer and
 * length: pieces end right after a newline (which is never inside a UTF-8 sequence), or, in a
 * piece without newlines, before a UTF-8 lead byte.
 */

/** Bytes per decoded piece: well below V8's regular-object limit (128 KiB). */
export const PIECE = 1 << 16;

/** Length of the NUL-terminated text the kernel wrote into `buf` (a memchr: ~10 us for a
 * 846 KB log). Not log_true_size: that is the largest length the log ever reached, and the
 * verifier truncates its log back (bpf_vlog_reset) after speculative output, leaving a NUL at
 * the true end and older text behind it. */
export function logTextLength(buf: Buffer): number {
  const nul = buf.indexOf(0);
  return nul < 0 ? buf.length : nul;
}

const isContinuation = (b: number): boolean => (b & 0xc0) === 0x80;

/** End of the piece that starts at `from` (exclusive), given the text ends at `len`. */
function pieceEnd(buf: Buffer, from: number, len: number, piece: number): number {
  const limit = from + piece;
  if (limit >= len) return len;
  const nl = buf.lastIndexOf(0x0a, limit - 1);
  if (nl >= from) return nl + 1;
  let end = limit;
  while (end > from && isContinuation(buf[end]!)) end--;
  if (end > from) return end;
  // A piece shorter than the character at its start: take the whole character.
  end = limit;
  while (end < len && isContinuation(buf[end]!)) end++;
  return end;
}

/** `buf.toString('utf8', 0, len)`, built from pieces of at most `piece` bytes (module comment). */
export function decodeLog(buf: Buffer, len: number, piece = PIECE): string {
  if (len <= piece) return buf.toString('utf8', 0, len);
  let text = '';
  for (let from = 0; from < len;) {
    const end = pieceEnd(buf, from, len, piece);
    text += buf.toString('utf8', from, end);
    from = end;
  }
  return text;
}

/** Bytes of the log's end decoded for the footer facts (`processed N insns`, `verification
 * time`, `stack depth`: three short lines). */
export const TAIL_BYTES = 1024;

/** The last TAIL_BYTES of the text, whole lines only (a small flat string: footer regexes on
 * it never flatten the rope of a big log). */
export function logTail(buf: Buffer, len: number): string {
  if (len <= TAIL_BYTES) return buf.toString('utf8', 0, len);
  const nl = buf.indexOf(0x0a, len - TAIL_BYTES);
  let from = nl < 0 || nl >= len ? len - TAIL_BYTES : nl + 1;
  while (from < len && isContinuation(buf[from]!)) from++;
  return buf.toString('utf8', from, len);
}

/** Whether the bytes at `at` spell the ASCII string `s`. */
function bytesAre(buf: Buffer, at: number, end: number, s: string): boolean {
  if (at + s.length > end) return false;
  for (let i = 0; i < s.length; i++) if (buf[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

/**
 * N of the last line `${prefix}N${suffix}...` among the last TAIL_BYTES of the text (the stats
 * footer: `processed N insns`, `verification time N usec`), read from the bytes: no string, no
 * regex, no allocation. Undefined when no such line is there.
 */
export function footerNumber(buf: Buffer, len: number, prefix: string, suffix: string): number | undefined {
  const stop = Math.max(0, len - TAIL_BYTES);
  let lineEnd = len;
  for (let i = len - 1; i >= stop - 1; i--) {
    if (i >= 0 && buf[i] !== 0x0a) continue;
    const at = i + 1;
    if (at < lineEnd && bytesAre(buf, at, lineEnd, prefix)) {
      let n = 0;
      let j = at + prefix.length;
      for (; j < lineEnd && buf[j]! >= 0x30 && buf[j]! <= 0x39; j++) n = n * 10 + buf[j]! - 0x30;
      if (j > at + prefix.length && bytesAre(buf, j, lineEnd, suffix)) return n;
    }
    lineEnd = i;
  }
  return undefined;
}
