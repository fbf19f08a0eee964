/**
 * Parse the text print_verifier_state() writes for one frame (kernel/bpf/log.c, 6.18):
 *
 *   [ frameN:] [ R<i>=<reg>]... [ fp<off>=<slot>]... [ refs=<id>,<id>...] [ cb] [ async_cb]
 *
 * where a stack slot is 8 per-byte type chars (`0000????`, `mmmmmmmm`), a spilled register
 * optionally preceded by the bytes above a sub-register spill (`ctx()`, `????0`), or a special slot
 * (`dynptr_ringbuf(ref_id=2)`, `iter_num(ref_id=1,state=active,depth=0)`).
 *
 * Invariant: the whole text is consumed in the kernel's order or the result is undefined.
 */
import type { FrameState, RegState, StackSlotState, VerifierState } from '../../verifier/state/log-state.ts';
import { parseRegValue, splitTopLevel } from './reg.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const SLOT_BYTES = /^[?rm0dif]{8}$/;
const SPILL_PREFIX = /^[?m0]{1,7}/;
// `dynptr_ptr(type=local)` (and its `_or_null` form) is a spilled CONST_PTR_TO_DYNPTR register,
// not a dynptr slot.
const SPECIAL = /^(?:dynptr_(?!ptr(?:_or_null)?\()[a-z_<>]+|iter_[A-Za-z0-9_<>]+)\(.*\)$/;

/** The value of `fp-8=...`. */
export function parseSlotValue(off: number, text: string): StackSlotState | undefined {
  if (SLOT_BYTES.test(text)) return { off, bytes: text };
  if (SPECIAL.test(text)) return { off, special: text };
  const whole = parseRegValue(text);
  if (whole) return { off, spilled: whole };
  const prefix = SPILL_PREFIX.exec(text)?.[0] ?? '';
  // The longest prefix whose remainder is a register; decimals never start with 0 so at most
  // one split parses.
  for (let n = prefix.length; n > 0; n--) {
    const spilled = parseRegValue(text.slice(n));
    if (spilled) return { off, bytes: text.slice(0, n).padEnd(8, 'r'), spilled };
  }
  return undefined;
}

interface Acc {
  frameno: number;
  regs: Map<number, RegState>;
  stack: StackSlotState[];
  refs?: number[];
  cb?: boolean;
  asyncCb?: boolean;
  /** 0 regs, 1 stack, 2 refs, 3 cb, 4 async_cb: tokens must come in this order. */
  phase: number;
}

type TokenRule = (tok: string, acc: Acc) => boolean;

const TOKEN_RULES: readonly TokenRule[] = [
  (tok, acc) => {
    const m = /^R(\d+)=(.*)$/s.exec(tok);
    if (!m || acc.phase > 0) return false;
    const reg = parseRegValue(m[2]!);
    const n = Number(m[1]);
    if (!reg || n > 10 || acc.regs.has(n)) return false;
    acc.regs.set(n, reg);
    return true;
  },
  (tok, acc) => {
    const m = /^fp(-\d+)=(.*)$/s.exec(tok);
    if (!m || acc.phase > 1) return false;
    const slot = parseSlotValue(Number(m[1]), m[2]!);
    if (!slot) return false;
    acc.phase = 1;
    acc.stack.push(slot);
    return true;
  },
  (tok, acc) => {
    const m = /^refs=(\d+(?:,\d+)*)$/.exec(tok);
    if (!m || acc.phase > 1) return false;
    acc.phase = 2;
    acc.refs = m[1]!.split(',').map(Number);
    return true;
  },
  (tok, acc) => {
    if (tok !== 'cb' || acc.phase > 2) return false;
    acc.phase = 3;
    acc.cb = true;
    return true;
  },
  (tok, acc) => {
    if (tok !== 'async_cb' || acc.phase > 3) return false;
    acc.phase = 4;
    acc.asyncCb = true;
    return true;
  },
];

/** Parse a state text (everything after `N:`, `;` or `from X to Y:`); '' is an empty state. */
export function parseStateText(text: string): VerifierState | undefined {
  if (text !== '' && !text.startsWith(' ')) return undefined;
  const tokens = splitTopLevel(text.slice(1), ' ');
  const acc: Acc = { frameno: 0, regs: new Map(), stack: [], phase: 0 };
  let i = 0;
  const fm = /^frame(\d+):$/.exec(tokens[0] ?? '');
  if (fm) {
    acc.frameno = Number(fm[1]);
    if (acc.frameno === 0) return undefined;
    i = 1;
  }
  for (; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok === '' && text === '') continue;
    if (!TOKEN_RULES.some((rule) => rule(tok, acc))) return undefined;
  }
  const frame: Mutable<FrameState> = { frameno: acc.frameno, regs: acc.regs, stack: acc.stack };
  if (acc.cb) frame.inCallbackFn = true;
  if (acc.asyncCb) frame.inAsyncCallbackFn = true;
  return { frames: [frame], ...(acc.refs ? { refs: acc.refs } : {}) };
}
