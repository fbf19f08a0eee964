/**
 * LogEvent[] -> verifier log text in exactly the kernel's format (kernel/bpf/log.c and the
 * printing parts of verifier.c, Linux 6.18), so the model verifier's log reads like the kernel's
 * and a parsed kernel log renders back to the same text.
 *
 * Invariant: for every event list the kernel log parser produces, rendering gives the original
 * log (blank lines included). Number formats mirror verbose_snum / verbose_unum / tnum_strn:
 * decimal for small values (signed -32768..32767, unsigned ..65535), `0x...` otherwise.
 *
 * DIVERGENCE: a state with several frames renders only its last (current) frame, as the kernel
 * prints one frame per state line; the model keeps the others in its structured events.
 */
import {
  fullBounds, REG_TYPE_PREFIXES, S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX,
  type FrameState, type LogEvent, type RegState, type ScalarBounds, type StackSlotState, type VerifierState,
} from './state/log-state.ts';

/** verbose_snum: a signed 64-bit value. */
export function snum(v: bigint): string {
  const s = BigInt.asIntN(64, v);
  return s >= -32768n && s <= 32767n ? s.toString() : '0x' + BigInt.asUintN(64, s).toString(16);
}

/** verbose_unum: an unsigned 64-bit value. */
export function unum(v: bigint): string {
  const u = BigInt.asUintN(64, v);
  return u <= 65535n ? u.toString() : '0x' + u.toString(16);
}

const hex = (v: bigint): string => '0x' + BigInt.asUintN(64, v).toString(16);

/** print_scalar_ranges: non-default bounds, equal neighbours merged as `smin=smin32=0`. */
export function scalarRangesText(b: ScalarBounds | undefined): string[] {
  const f = fullBounds(b);
  const s32 = (v: bigint): bigint => (v >= -32768n && v <= 32767n ? BigInt.asUintN(64, v) : BigInt.asUintN(32, v));
  const items = [
    { name: 'smin', val: BigInt.asUintN(64, f.smin), omit: f.smin === S64_MIN },
    { name: 'smax', val: BigInt.asUintN(64, f.smax), omit: f.smax === S64_MAX },
    { name: 'umin', val: f.umin, omit: f.umin === 0n },
    { name: 'umax', val: f.umax, omit: f.umax === U64_MAX },
    { name: 'smin32', val: s32(f.smin32), omit: f.smin32 === S32_MIN },
    { name: 'smax32', val: s32(f.smax32), omit: f.smax32 === S32_MAX },
    { name: 'umin32', val: f.umin32, omit: f.umin32 === 0n },
    { name: 'umax32', val: f.umax32, omit: f.umax32 === U32_MAX },
  ];
  const isNeg = (i: { name: string; val: bigint }): boolean => i.name[0] === 's' && BigInt.asIntN(64, i.val) < 0n;
  const out: string[] = [];
  items.forEach((m1, k) => {
    if (m1.omit) return;
    let text = m1.name + '=';
    for (let j = k + 2; j < items.length; j += 2) {
      const m2 = items[j]!;
      if (m2.omit || m2.val !== m1.val || isNeg(m2) !== isNeg(m1)) continue;
      m2.omit = true;
      text += m2.name + '=';
    }
    out.push(text + (m1.name[0] === 's' ? snum(m1.val) : unum(m1.val)));
  });
  return out;
}

const MAP_TYPES = new Set(['map_ptr', 'map_key', 'map_value']);
const PKT_TYPES = new Set(['pkt', 'pkt_meta']);

/** reg_type_str: prefixes, base type (with BTF name), `_or_null` (`or_null_` inside `ptr_`). */
export function regTypeText(reg: RegState): string {
  const flags = REG_TYPE_PREFIXES.filter((p) => reg.flags?.includes(p)).join('');
  if (!reg.orNull) return flags + reg.type;
  return reg.type.startsWith('ptr_') ? `${flags}ptr_or_null_${reg.type.slice(4)}` : `${flags}${reg.type}_or_null`;
}

function isConstOff(reg: RegState): boolean {
  if (reg.type === 'scalar') return reg.bounds?.varOff?.mask === 0n;
  return reg.bounds === undefined || reg.bounds.varOff?.mask === 0n;
}

const baseType = (reg: RegState): string => (reg.type.endsWith('mem') ? 'mem' : reg.type);

function regAttrs(reg: RegState): string[] {
  const a: string[] = [];
  if (reg.id || reg.addConst) {
    const k = reg.off ?? 0;
    a.push(`id=${reg.id ?? 0}` + (reg.addConst ? (k >= 0 ? '+' : '') + String(k) : ''));
  }
  if (reg.refObjId) a.push(`ref_obj_id=${reg.refObjId}`);
  if (reg.nonOwnRef) a.push('non_own_ref');
  if (MAP_TYPES.has(reg.type)) {
    if (reg.mapName) a.push(`map=${reg.mapName}`);
    a.push(`ks=${reg.keySize ?? 0},vs=${reg.valueSize ?? 0}`);
  }
  if (reg.type !== 'scalar' && reg.off) a.push(`off=${snum(BigInt(reg.off))}`);
  if (PKT_TYPES.has(reg.type)) a.push(`r=${unum(BigInt(reg.range ?? 0))}`);
  if (baseType(reg) === 'mem') a.push(`sz=${unum(BigInt(reg.memSize ?? 0))}`);
  if (reg.type === 'dynptr_ptr') a.push(`type=${reg.dynptrType ?? '<invalid>'}`);
  if (isConstOff(reg)) {
    const v = reg.bounds?.varOff?.value ?? 0n;
    if (v !== 0n) a.push(`imm=${snum(v)}`);
  } else {
    a.push(...scalarRangesText(reg.bounds));
    const t = reg.bounds?.varOff;
    if (t && t.mask !== U64_MAX) a.push(`var_off=(${hex(t.value)}; ${hex(t.mask)})`);
  }
  return a;
}

/** print_reg_state: one register value as printed after `R1=`; `frameno` is the printing frame's. */
export function renderReg(reg: RegState, frameno = 0): string {
  const p = reg.type === 'scalar' && reg.precise ? 'P' : '';
  if (reg.type === 'scalar' && isConstOff(reg)) return p + snum(reg.bounds!.varOff!.value);
  const type = regTypeText(reg);
  if (reg.type === 'arena') return type;
  let head = p + type;
  if (reg.type === 'fp') {
    if (reg.frameno !== undefined && reg.frameno !== frameno) head += `[${reg.frameno}]`;
    if (isConstOff(reg)) return head + snum((reg.bounds?.varOff?.value ?? 0n) + BigInt(reg.off ?? 0));
  }
  return `${head}(${regAttrs(reg).join(',')})`;
}

function renderSlot(slot: StackSlotState, frameno: number): string {
  const name = `fp${slot.off}=`;
  if (slot.special !== undefined) return name + slot.special;
  if (!slot.spilled) return name + (slot.bytes ?? '????????');
  const r = slot.bytes?.indexOf('r') ?? -1;
  const prefix = slot.bytes === undefined ? '' : r < 0 ? slot.bytes : slot.bytes.slice(0, r);
  return name + prefix + renderReg(slot.spilled, frameno);
}

function renderFrame(f: FrameState, refs: readonly number[] | undefined): string {
  let s = f.frameno ? ` frame${f.frameno}:` : '';
  for (const n of [...f.regs.keys()].sort((a, b) => a - b)) s += ` R${n}=${renderReg(f.regs.get(n)!, f.frameno)}`;
  for (const slot of f.stack) s += ' ' + renderSlot(slot, f.frameno);
  if (refs?.length) s += ` refs=${refs.join(',')}`;
  if (f.inCallbackFn) s += ' cb';
  if (f.inAsyncCallbackFn) s += ' async_cb';
  return s;
}

/** print_verifier_state for the current (last) frame: ` frame1: R1=ctx() R10=fp0 refs=2`. */
export function renderState(state: VerifierState): string {
  const f = state.frames[state.frames.length - 1];
  return f ? renderFrame(f, state.refs) : '';
}

/** vlog_alignment: spaces between an insn line of `len` chars and its `;`. */
export function alignmentSpaces(len: number): number {
  const pos = len + 1;
  return Math.ceil(Math.max(pos + 4, 40) / 8) * 8 - pos - 1;
}

/** verbose_insn: `(bf) r2 = r10`. */
const insnText = (code: number, text: string): string => `(${code.toString(16).padStart(2, '0')}) ${text}`;
const insnHead = (pc: number, code: number, text: string): string => `${pc}: ${insnText(code, text)}`;

const pad3 = (n: number): string => String(n).padStart(3, ' ');
const spec = (s: boolean | undefined): string => (s ? ' (speculative execution)' : '');

type Out = string[];
/** One renderer per event kind: push whole lines, or extend the last line (`sameLine`). */
const RENDER: { [K in LogEvent['kind']]: (e: Extract<LogEvent, { kind: K }>, out: Out) => void } = {
  func: (e, out) => void out.push(`func#${e.funcId} @${e.pc}`),
  live_regs: (e, out) => {
    const mask = Array.from({ length: 10 }, (_, j) => (e.live.includes(j) ? String(j) : '.')).join('');
    out.push(`${e.scc !== undefined ? pad3(e.scc) + ' ' : '    '}${pad3(e.pc)}: ${mask} ${insnText(e.code, e.text)}`);
  },
  state: (e, out) => {
    const line = `${e.pc}:${renderState(e.state)}`;
    if (e.sameLine && out.length) out[out.length - 1] += ' ' + line;
    else out.push(line);
  },
  insn: (e, out) => {
    const head = insnHead(e.pc, e.code, e.text);
    out.push(e.after ? head + ' '.repeat(alignmentSpaces(head.length)) + ';' + renderState(e.after) : head);
  },
  branch: (e, out) => void out.push('', `from ${e.from} to ${e.to}${spec(e.speculative)}:${renderState(e.state)}`),
  safe: (e, out) => void (e.from !== undefined
    ? out.push('', `from ${e.from} to ${e.pc}${spec(e.speculative)}: safe`)
    : out.push(`${e.pc}: safe`)),
  mark_precise: (e, out) => void out.push(e.text),
  call: (e, out) => void out.push(e.text, ...(e.state ? [renderState(e.state)] : [])),
  note: (e, out) => void out.push(e.text + (e.state ? renderState(e.state) : '')),
  error: (e, out) => {
    if (e.sameLine && out.length) out[out.length - 1] += ' ' + e.text;
    else out.push(e.text);
  },
  stats: (e, out) => {
    if (e.verificationTimeUsec !== undefined) out.push(`verification time ${e.verificationTimeUsec} usec`);
    if (e.stackDepth !== undefined) out.push(`stack depth ${e.stackDepth.join('+')}`);
    out.push(`processed ${e.processed} insns (limit ${e.limit}) max_states_per_insn ${e.maxStatesPerInsn} `
      + `total_states ${e.totalStates} peak_states ${e.peakStates} mark_read ${e.markRead}`);
  },
  unknown: (e, out) => {
    if (e.sameLine && out.length) out[out.length - 1] += ' ' + e.text;
    else out.push(e.text);
  },
};

/** The whole log text, one `\n`-terminated line per printed line. */
export function renderLog(events: readonly LogEvent[]): string {
  const out: Out = [];
  for (const e of events) (RENDER[e.kind] as (ev: LogEvent, o: Out) => void)(e, out);
  return out.length ? out.join('\n') + '\n' : '';
}
