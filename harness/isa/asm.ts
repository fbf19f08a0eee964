/**
 * Assembler: text in the kernel-log / llvm-objdump syntax to a Program.
 *
 * A file is lines; each line holds optional labels (`foo:`, `l0_%=:`), at most one statement and
 * an optional comment (`//`, `/* *\/`, `;` as in the verifier log, `#` at the start or after a
 * blank). A pasted log line keeps working: a leading `N: (op) ` is skipped. Statements are
 * instructions (asm-insn.ts) or directives:
 *   .prog sched_cls                                 program type (default socket_filter)
 *   .flags BPF_F_ANY_ALIGNMENT BPF_F_SLEEPABLE       prog_flags, names or numbers
 *   .map 0 array key=4 value=8 entries=1 [flags=N] [extra=N]   map list, indices in order
 *   .raw 0123456789abcdef                            any 8 bytes (16 for an opcode 0x18), verbatim
 * Map references by index: `r1 = map[0] ll` (ld_imm64 src_reg 5, BPF_PSEUDO_MAP_IDX) and
 * `r1 = map_value[0] + 16 ll` (src_reg 6, BPF_PSEUDO_MAP_IDX_VALUE, value address + 16).
 *
 * Invariant: the result's instructions all pass `checkInsn`, except those written with `.raw`;
 * every mistake is a UserError `file:line:col: expected ...`.
 */
import { type Insn } from './insn.ts';
import { decode, hexToBytes } from './codec.ts';
import { Cursor, SyntaxFail } from './asm-cursor.ts';
import { parseInsnStatement } from './asm-insn.ts';
import { BuildError, resolve, type SymItem } from './builder.ts';
import { checkInsn } from './validate.ts';
import {
  type MapDef, type Program, type ProgType, PROG_FLAGS, type ProgFlagName, isMapType, isProgType,
} from './program.ts';
import { UserError } from '../errors.ts';

export interface AsmOptions {
  /** Name used in error messages (default `<input>`). */
  readonly file?: string;
  /** Program type when the text has no `.prog` (default socket_filter). */
  readonly defaultProgType?: ProgType;
}

export interface AsmResult {
  readonly program: Program;
  /** The symbolic form (labels kept), for generators and the minimizer. */
  readonly items: SymItem[];
}

interface State {
  progType?: ProgType;
  flags: number;
  maps: MapDef[];
  items: SymItem[];
}

/** Cut the comment off a line; returns the code part (same columns). */
export function stripComment(line: string): string {
  let code = line.replace(/\/\*.*?\*\//g, (m) => ' '.repeat(m.length));
  const cuts = [code.indexOf('//'), code.indexOf(';'), code.search(/(^|\s)#/)].filter((i) => i >= 0);
  if (cuts.length) code = code.slice(0, Math.min(...cuts));
  return code;
}

const LOG_PREFIX = /^\s*\d+:\s*\([0-9a-f]{2}\)\s/;
const LABEL = /\s*([A-Za-z_.$][\w.$]*(?:%=)?)\s*:(?!=)/y;

function parseMapDirective(c: Cursor, st: State): void {
  const idx = c.intIn(0, 0xffff, 'a map index');
  if (idx !== st.maps.length) c.fail(`expected map index ${st.maps.length} (maps are listed in order)`);
  const typeAt = c.here();
  const type = c.ident('a map type (array, hash, ...)');
  if (!isMapType(type)) c.fail(`expected a map type, got '${type}'`, typeAt);
  const kv: Record<string, number> = {};
  while (!c.atEnd()) {
    const keyAt = c.here();
    const key = c.ident('key=, value=, entries=, flags= or extra=');
    if (!['key', 'value', 'entries', 'flags', 'extra'].includes(key)) c.fail(`expected key=, value=, entries=, flags= or extra=`, keyAt);
    c.expect('=', "'='");
    kv[key] = c.intIn(0, 0xffffffff, `${key}`);
  }
  for (const need of ['key', 'value', 'entries']) if (kv[need] === undefined) c.fail(`expected ${need}=N`);
  st.maps.push({
    type, keySize: kv.key!, valueSize: kv.value!, maxEntries: kv.entries!,
    ...(kv.flags !== undefined ? { flags: kv.flags } : {}),
    ...(kv.extra !== undefined ? { mapExtra: kv.extra } : {}),
  });
}

function parseFlagsDirective(c: Cursor, st: State): void {
  while (!c.atEnd()) {
    if (c.peekInt()) {
      st.flags |= c.intIn(0, 0xffffffff, 'a flag value');
      continue;
    }
    const at = c.here();
    const name = c.ident('a prog flag name (BPF_F_...) or a number');
    if (!Object.prototype.hasOwnProperty.call(PROG_FLAGS, name)) c.fail(`expected a prog flag name, got '${name}'`, at);
    st.flags |= PROG_FLAGS[name as ProgFlagName];
  }
  st.flags >>>= 0;
}

function parseRawDirective(c: Cursor, st: State, line: number): void {
  const at = c.here();
  const m = c.tryRe(/(0x)?([0-9a-fA-F]+)/);
  if (!m) c.fail('expected 16 hex digits (32 for an opcode 0x18)', at);
  c.end();
  const hex = m[2]!;
  const want = hex.startsWith('18') ? 32 : 16;
  if (hex.length !== want) c.fail(`expected ${want} hex digits${want === 32 ? ' (opcode 0x18 takes two slots)' : ''}, got ${hex.length}`, at);
  const insn = decode(hexToBytes(hex))[0]!;
  st.items.push({ kind: 'insn', insn, loc: { line, col: c.col(at) } });
}

function parseDirective(c: Cursor, st: State, line: number): void {
  const at = c.here();
  const name = c.ident('a directive');
  switch (name) {
    case '.prog': {
      const tAt = c.here();
      const t = c.ident('a program type (socket_filter, sched_cls, xdp, ...)');
      if (!isProgType(t)) c.fail(`expected a program type, got '${t}'`, tAt);
      st.progType = t;
      return c.end();
    }
    case '.flags': return parseFlagsDirective(c, st);
    case '.map': return parseMapDirective(c, st);
    case '.raw': return parseRawDirective(c, st, line);
    default: c.fail(`expected a directive (.prog, .flags, .map, .raw), got '${name}'`, at);
  }
}

function parseInstruction(c: Cursor, st: State, line: number): void {
  const at = c.here();
  c.ws();
  const loc = { line, col: c.col() };
  const p = parseInsnStatement(c);
  const v = checkInsn(p.insn);
  if (v) c.fail(`invalid instruction: ${v.message} (write it with .raw to keep it)`, at);
  st.items.push(p.target !== undefined ? { kind: 'insn', insn: p.insn, target: p.target, loc } : { kind: 'insn', insn: p.insn, loc });
}

function parseLine(text: string, line: number, st: State): void {
  let code = stripComment(text);
  let colBase = 0;
  const pre = LOG_PREFIX.exec(code);
  if (pre) {
    colBase = pre[0].length;
    code = code.slice(colBase);
  }
  let pos = 0;
  for (;;) {
    LABEL.lastIndex = pos;
    const m = LABEL.exec(code);
    if (!m) break;
    st.items.push({ kind: 'label', name: m[1]!, loc: { line, col: colBase + pos + m[0].indexOf(m[1]!) + 1 } });
    pos = LABEL.lastIndex;
  }
  const c = new Cursor(code, colBase, pos);
  if (c.atEnd()) return;
  if (c.peekRe(/\.[A-Za-z]/)) parseDirective(c, st, line);
  else parseInstruction(c, st, line);
}

const where = (file: string, line: number, col: number): string => `${file}:${line}:${col}`;

/** Assembly text to a Program and its symbolic form. Throws UserError with file:line:col. */
export function assemble(text: string, opts: AsmOptions = {}): AsmResult {
  const file = opts.file ?? '<input>';
  const st: State = { flags: 0, maps: [], items: [] };
  text.split(/\r?\n/).forEach((lineText, i) => {
    try {
      parseLine(lineText, i + 1, st);
    } catch (e) {
      if (e instanceof SyntaxFail) throw new UserError(`${where(file, i + 1, e.col)}: ${e.message}`);
      throw e;
    }
  });
  let insns: Insn[];
  try {
    insns = resolve(st.items);
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    const loc = e.loc ?? { line: 1, col: 1 };
    throw new UserError(`${where(file, loc.line, loc.col)}: ${e.message}`);
  }
  const program: Program = {
    progType: st.progType ?? opts.defaultProgType ?? 'socket_filter', insns, maps: st.maps,
    ...(st.flags ? { flags: st.flags } : {}),
  };
  return { program, items: st.items };
}

/** Assembly text to instructions (directives other than .raw are accepted and ignored). */
export function assembleInsns(text: string, opts: AsmOptions = {}): Insn[] {
  return [...assemble(text, opts).program.insns];
}
