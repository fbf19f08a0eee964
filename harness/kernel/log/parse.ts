/**
 * The kernel verifier log (levels 1 and 2, optionally with the BPF_LOG_STATS footer) as LogEvents.
 *
 * Every non-blank line becomes exactly one event, except the lines that complete an earlier
 * event: the state line after a call header (`caller:` + ` R1=ctx() R10=fp0`) and the footer lines
 * `verification time N usec` / `stack depth N+M`, which join the `processed ...` stats event.
 * Free-text lines that no rule recognises are the verifier's error message when they come last
 * (right before the footer or the end of the log); anywhere else they are `unknown` events carrying
 * their 1-based line number. Nothing is dropped in silence and the parser never throws.
 */
import type { LogEvent, VerifierState } from '../../verifier/state/log-state.ts';
import { BARE_STATE, classifyLine, STACK_DEPTH, VERIFICATION_TIME } from './lines.ts';
import { parseStateText } from './state.ts';

export interface ParsedLog {
  readonly events: readonly LogEvent[];
  /** Non-blank lines read. */
  readonly lines: number;
  /** The `unknown` events (also present in `events`). */
  readonly unknown: readonly Extract<LogEvent, { kind: 'unknown' }>[];
}

type Footer = { verificationTimeUsec?: number; stackDepth?: number[] };

class LogParser {
  readonly events: LogEvent[] = [];
  lines = 0;
  private footer: Footer = {};
  private footerLines: { line: number; text: string }[] = [];

  feed(text: string, lineNo: number): void {
    if (text === '') return;
    this.lines++;
    if (this.attachBareState(text)) return;
    if (this.footerLine(text, lineNo)) return;
    const got = classifyLine(text);
    const evs: readonly LogEvent[] = got === undefined ? [] : Array.isArray(got) ? got : [got as LogEvent];
    const ev = evs[0];
    if (ev?.kind === 'stats') {
      this.events.push({ ...ev, ...this.footer });
      this.footer = {};
      this.footerLines = [];
      return;
    }
    this.flushFooter();
    if (!ev) this.events.push({ kind: 'unknown', line: lineNo, text });
    for (const e of evs) this.events.push(e.kind === 'unknown' ? { ...e, line: lineNo } : this.markAfter(e));
  }

  /** A state line (` R1=...`) right after `caller:` etc. completes that call event. */
  private attachBareState(text: string): boolean {
    const last = this.events[this.events.length - 1];
    if (!BARE_STATE.test(text) || last?.kind !== 'call' || last.state) return false;
    const state: VerifierState | undefined = parseStateText(text);
    if (!state) return false;
    this.events[this.events.length - 1] = { ...last, state };
    return true;
  }

  private footerLine(text: string, lineNo: number): boolean {
    const t = VERIFICATION_TIME.exec(text);
    const d = t ? undefined : STACK_DEPTH.exec(text);
    if (!t && !d) return false;
    if (t) this.footer.verificationTimeUsec = Number(t[1]);
    if (d) this.footer.stackDepth = d[1]!.split('+').map(Number);
    this.footerLines.push({ line: lineNo, text });
    return true;
  }

  /** Footer lines not followed by `processed ...` stay in the log as notes. */
  flushFooter(): void {
    for (const f of this.footerLines) this.events.push({ kind: 'note', text: f.text });
    this.footer = {};
    this.footerLines = [];
  }

  /** `N: state` after insn N with other lines between is that insn's after-state. */
  private markAfter(ev: LogEvent): LogEvent {
    if (ev.kind !== 'state' || ev.sameLine) return ev;
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.kind === 'insn') return e.pc === ev.pc ? { ...ev, after: true } : ev;
      if (e.kind !== 'mark_precise' && e.kind !== 'note') return ev;
    }
    return ev;
  }

  /** Unrecognised lines at the end of the log (before the footer) are the error message. */
  finish(): ParsedLog {
    this.flushFooter();
    let end = this.events.length;
    while (end > 0 && isAfterError(this.events[end - 1]!)) end--;
    for (let i = end - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.kind !== 'unknown') break;
      this.events[i] = { kind: 'error', text: e.text, ...(e.sameLine ? { sameLine: true } : {}) };
    }
    const unknown = this.events.filter((e): e is Extract<LogEvent, { kind: 'unknown' }> => e.kind === 'unknown');
    return { events: this.events, lines: this.lines, unknown };
  }
}

/** What the kernel prints after its error message: the states of an infinite loop, the footer. */
function isAfterError(e: LogEvent): boolean {
  return e.kind === 'stats' || (e.kind === 'note' && (e.text === 'cur state:' || e.text === 'old state:'));
}

/** Parse a whole verifier log. Never throws. */
export function parseVerifierLog(text: string): ParsedLog {
  const p = new LogParser();
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => p.feed(line, i + 1));
  return p.finish();
}
