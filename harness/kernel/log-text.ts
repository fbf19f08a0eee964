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

/** Below this bound the NUL is searched by a JS loop: cheaper than a native call right after
 * a syscall, when Node's C++ paths are cold. */
const JS_SCAN_MAX = 2048;

/**
 * Length of the NUL-terminated text the kernel wrote into `buf`: its first NUL (a memchr, ~10
 * us for an 846 KB log). `bound` (log_true_size, when the kernel wrote it) is the largest
 * length the log ever reached plus one, so the NUL is before it. It is not the text's length:
 * the verifier truncates its log back (bpf_vlog_reset) after speculative output, leaving a NUL
 * at the true end and older text behind it.
 */
export function logTextLength(buf: Buffer, bound = 0): number {
  if (bound > 0 && bound <= JS_SCAN_MAX && bound <= buf.length) {
    for (let i = 0; i < bound; i++) if (buf[i] === 0) return i;
  }
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

/**
 * The longest log decoded whole: V8's strings stop at 2^29 - 24 characters, and a level-2 log of
 * a program near the 1,000,000-instruction limit can be larger. A longer log keeps its first and
 * last MAX_LOG_TEXT / 2 bytes (whole lines) around one line saying how much was left out.
 */
export const MAX_LOG_TEXT = 1 << 28;

function decodeRange(buf: Buffer, from: number, len: number, piece: number): string {
  if (len - from <= piece) return buf.toString('utf8', from, len);
  let text = '';
  while (from < len) {
    const end = pieceEnd(buf, from, len, piece);
    text += buf.toString('utf8', from, end);
    from = end;
  }
  return text;
}

/** `buf.toString('utf8', 0, len)`, built from pieces of at most `piece` bytes (module comment);
 * beyond `max` bytes, the head and the tail (see MAX_LOG_TEXT). */
export function decodeLog(buf: Buffer, len: number, piece = PIECE, max = MAX_LOG_TEXT): string {
  if (len <= max) return decodeRange(buf, 0, len, piece);
  const headEnd = buf.lastIndexOf(0x0a, max / 2) + 1;
  const tailNl = buf.indexOf(0x0a, len - max / 2);
  const tailStart = tailNl < 0 || tailNl >= len ? len : tailNl + 1;
  return `${decodeRange(buf, 0, headEnd, piece)}... ${tailStart - headEnd} bytes of the verifier log left out ...\n${decodeRange(buf, tailStart, len, piece)}`;
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

/** N when the line at `at` (ending at `end`) is `${prefix}N${suffix}...`, else -1. */
function lineNumber(buf: Buffer, at: number, end: number, prefix: string, suffix: string): number {
  if (!bytesAre(buf, at, end, prefix)) return -1;
  let n = 0;
  let j = at + prefix.length;
  for (; j < end && buf[j]! >= 0x30 && buf[j]! <= 0x39; j++) n = n * 10 + buf[j]! - 0x30;
  return j > at + prefix.length && bytesAre(buf, j, end, suffix) ? n : -1;
}

/** The footer facts verifuzz reports. */
export interface FooterFacts {
  insnsProcessed?: number;
  verificationTimeUs?: number;
}

/**
 * Sets `insnsProcessed` and `verificationTimeUs` of `out` from the last lines `processed N
 * insns...` and `verification time N usec` among the last TAIL_BYTES of the text (the stats
 * footer), read from the bytes: one backward pass, no string, no regex, no allocation. A fact
 * whose line is absent is left unset. `withTime: false` (a log level without BPF_LOG_STATS,
 * which never prints the time) stops at the `processed` line.
 */
export function readFooter(buf: Buffer, len: number, out: FooterFacts, withTime = true): void {
  const stop = Math.max(0, len - TAIL_BYTES);
  let processed = false;
  let time = !withTime;
  let lineEnd = len;
  for (let i = len - 1; i >= stop - 1 && !(processed && time); i--) {
    if (i >= 0 && buf[i] !== 0x0a) continue;
    const at = i + 1;
    if (at < lineEnd) {
      const n = processed ? -1 : lineNumber(buf, at, lineEnd, 'processed ', ' insns');
      if (n >= 0) {
        out.insnsProcessed = n;
        processed = true;
      } else if (!time) {
        const v = lineNumber(buf, at, lineEnd, 'verification time ', ' usec');
        if (v >= 0) {
          out.verificationTimeUs = v;
          time = true;
        }
      }
    }
    lineEnd = i;
  }
}
