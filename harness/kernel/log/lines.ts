/**
 * The line shapes of the kernel verifier log (levels 1 and 2, 6.18), one rule per shape, tried in
 * order. A rule returns the event of its line, or undefined when the line is not of its shape.
 *
 * Lines that no rule recognises are not dropped here: the parser (parse.ts) turns them into
 * `error` events when they are the verifier's final message, `unknown` events otherwise.
 */
import type { LogEvent, VerifierState } from '../../verifier/state/log-state.ts';
import { parseStateText } from './state.ts';

export interface LineRule {
  readonly name: string;
  /** The characters a line of this shape can start with (a cheap pre-filter); absent: any. */
  readonly first?: string;
  readonly re: RegExp;
  readonly build: (m: RegExpExecArray) => LogEvent | readonly LogEvent[] | undefined;
}

const int = (s: string | undefined): number => Number(s);

function withState<T>(state: VerifierState | undefined, make: (s: VerifierState) => T): T | undefined {
  return state ? make(state) : undefined;
}

/** Verbatim informative lines the verifier prints besides states (checked by prefix/shape). */
const NOTE_SHAPES: readonly RegExp[] = [
  /^Live regs before insn:$/,
  // stack liveness (kernel/bpf/liveness.c, level 2): "(0) frame 0 insn 6 +live -8 ",
  // "(0,5) frame 1 insn 7 +written -8,-16 ", "(0) live stack update done in 2 iterations"
  /^\(\d+(?:,\d+)*\) (?:frame \d+ insn \d+ [+-](?:live|written|must_write|must_write_acc|read)(?: -?\d+(?:,-?\d+)*)? ?|live stack update done in \d+ iterations)$/,
  /^SCC (?:enter|exit|backedge) \(\d+(?:,\d+)*\)$/,
  /^; .*$/, // BTF line info: "; int x = 0; @ file.c:12"
  /^Validating .+ func#\d+\.\.\.$/,
  /^Func#\d+ \('.*'\) is (?:global and assumed valid|safe for any args that match its prototype)\.$/,
  // btf_ctx_access() of tracing programs: "func 'bpf_iter_task' arg0 has btf_id 11882 type STRUCT 'bpf_iter_meta'"
  /^func '[^']*' arg\d+ has btf_id \d+ type [A-Z_]+ '[^']*'$/,
];

const DIGITS = '0123456789';
const LIVE_ROW = /^(?: {4}|( *\d+) )( *\d+): ([0-9.]{10}) \(([0-9a-f]{2})\) (.*)$/;

function liveRegs(mask: string): number[] | undefined {
  const live: number[] = [];
  for (let j = 0; j < 10; j++) {
    const c = mask[j];
    if (c === String(j)) live.push(j);
    else if (c !== '.') return undefined;
  }
  return live;
}

export const LINE_RULES: readonly LineRule[] = [
  {
    name: 'func', first: 'f', re: /^func#(\d+) @(\d+)$/,
    build: (m) => ({ kind: 'func', funcId: int(m[1]), pc: int(m[2]) }),
  },
  {
    name: 'live_regs', first: ' ' + DIGITS, re: LIVE_ROW,
    build: (m) => {
      const live = liveRegs(m[3]!);
      if (!live) return undefined;
      return {
        kind: 'live_regs', pc: int(m[2]), live, code: parseInt(m[4]!, 16), text: m[5]!,
        ...(m[1] !== undefined ? { scc: int(m[1]) } : {}),
      };
    },
  },
  {
    name: 'branch_safe', first: 'f', re: /^from (\d+) to (\d+)( \(speculative execution\))?: safe$/,
    build: (m) => ({ kind: 'safe', pc: int(m[2]), from: int(m[1]), ...(m[3] ? { speculative: true } : {}) }),
  },
  {
    name: 'branch', first: 'f', re: /^from (\d+) to (\d+)( \(speculative execution\))?:(.*)$/,
    build: (m) => withState(parseStateText(m[4]!), (state) => ({
      kind: 'branch', from: int(m[1]), to: int(m[2]), state, ...(m[3] ? { speculative: true } : {}),
    })),
  },
  { name: 'safe', first: DIGITS, re: /^(\d+): safe$/, build: (m) => ({ kind: 'safe', pc: int(m[1]) }) },
  {
    // Level 1 after a popped branch: the log is cut back to just after the branch (or callback
    // call) insn that pushed it, whose newline had become the first alignment space of its
    // after-state, so what follows (a state, an error) continues the insn's line.
    name: 'insn_then_more', first: DIGITS, re: /^(\d+): \(([0-9a-f]{2})\) ([^;]*?(?:gotol? pc[+-]\d+|call [^ ;]+)) ([^ ;].*)$/,
    build: (m) => {
      const insn: LogEvent = { kind: 'insn', pc: int(m[1]), code: parseInt(m[2]!, 16), text: m[3]! };
      const st = /^(\d+):( .*)?$/.exec(m[4]!);
      const state = st ? parseStateText(st[2] ?? '') : undefined;
      if (st && state) return [insn, { kind: 'state', pc: int(st[1]), state, sameLine: true }];
      return [insn, { kind: 'unknown', line: 0, text: m[4]!, sameLine: true }];
    },
  },
  {
    name: 'insn', first: DIGITS, re: /^(\d+): \(([0-9a-f]{2})\) ([^;]*?)(?: +;(.*))?$/,
    build: (m) => {
      const base = { kind: 'insn', pc: int(m[1]), code: parseInt(m[2]!, 16), text: m[3]! } as const;
      if (m[4] === undefined) return base;
      return withState(parseStateText(m[4]), (after) => ({ ...base, after }));
    },
  },
  {
    name: 'state', first: DIGITS, re: /^(\d+):(.*)$/,
    build: (m) => withState(parseStateText(m[2]!), (state) => ({ kind: 'state', pc: int(m[1]), state })),
  },
  {
    name: 'mark_precise', first: 'mf',
    re: /^(?:mark_precise: frame\d+: .*|frame \d+: propagating (?:r\d+|fp-?\d+)(?:,(?:r\d+|fp-?\d+))*)$/,
    build: (m) => ({ kind: 'mark_precise', text: m[0] }),
  },
  {
    name: 'call', first: 'crt', re: /^(caller:|callee:|returning from callee:|to caller at \d+:)$/,
    build: (m) => ({ kind: 'call', text: m[1]! }),
  },
  {
    name: 'labelled_state', first: 'co', re: /^(cur state:|old state:)(.*)$/,
    build: (m) => withState(parseStateText(m[2]!), (state) => ({ kind: 'note', text: m[1]!, state })),
  },
  {
    name: 'stats', first: 'p',
    re: /^processed (\d+) insns \(limit (\d+)\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+) mark_read (\d+)$/,
    build: (m) => ({
      kind: 'stats', processed: int(m[1]), limit: int(m[2]), maxStatesPerInsn: int(m[3]),
      totalStates: int(m[4]), peakStates: int(m[5]), markRead: int(m[6]),
    }),
  },
  {
    name: 'note', re: /^.*$/,
    build: (m) => (NOTE_SHAPES.some((re) => re.test(m[0])) ? { kind: 'note', text: m[0] } : undefined),
  },
];

/** The events the first matching rule builds for the line, or undefined. */
export function classifyLine(line: string): LogEvent | readonly LogEvent[] | undefined {
  const c = line[0] ?? '';
  for (const rule of LINE_RULES) {
    if (rule.first !== undefined && !rule.first.includes(c)) continue;
    const m = rule.re.exec(line);
    if (!m) continue;
    const ev = rule.build(m);
    if (ev) return ev;
  }
  return undefined;
}

/** The BPF_LOG_STATS footer lines that precede the `processed` line. */
export const VERIFICATION_TIME = /^verification time (\d+) usec$/;
export const STACK_DEPTH = /^stack depth (\d+(?:\+\d+)*)$/;
/** A state printed on its own line after a call header (`caller:`) starts with a space. */
export const BARE_STATE = /^ (?:frame\d+:|R\d+=|fp-\d+=|refs=|cb\b|async_cb\b)/;
