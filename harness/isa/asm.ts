/**
 * Assembler: text in the kernel-log / llvm-objdump syntax to a Program.
 *
 * A file is lines; a line holds statements separated by `;`, each with optional labels before it
 * (`foo:`, `l0_%=:`, GNU-style numeric `1:` referenced as `1f` / `1b`), and comments (`//`,
 * `/* *\/` also across lines, `#` at the start or after a blank). A pasted log line keeps
 * working: a leading `N: (op) ` is skipped, and `; R0=...` state text after `;` is a comment. Statements are
 * instructions (asm-insn.ts) or directives (asm-directives.ts: `.prog`, `.flags`, `.map`, `.inner`,
 * and `.raw 0123456789abcdef` for any 8 bytes, 16 for an opcode 0x18, kept verbatim).
 * Map references by index: `r1 = map[0] ll` (ld_imm64 src_reg 5, BPF_PSEUDO_MAP_IDX) and
 * `r1 = map_value[0] + 16 ll` (src_reg 6, BPF_PSEUDO_MAP_IDX_VALUE, value address + 16).
 *
 * Invariant: the result's instructions all pass `checkInsn`, except those written with `.raw`;
 * every mistake is a UserError `file:line:col: expected ...`.
 */
import { type Insn } from './insn.ts';
import { Cursor, SyntaxFail } from './asm-cursor.ts';
import { parseInsnStatement } from './asm-insn.ts';
import { BuildError, resolve, type SymItem } from './builder.ts';
import { checkInsn } from './validate.ts';
import { type Program, type ProgType } from './program.ts';
import { type DirectiveState, parseDirective, parseEightByte, parseRaw } from './asm-directives.ts';
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

interface State extends DirectiveState {
  items: SymItem[];
  /** Inside a `/* ... *\/` comment that started on an earlier line. */
  inBlock: boolean;
  /** Definitions seen so far of each numeric label. */
  numeric: Map<string, number>;
}

/**
 * Blank out comments, keeping columns: `/* *\/` (possibly spanning lines: `inBlock` carries the
 * state), `//`, and `#` at the start or after a blank. `;` is handled by `statements`.
 */
export function stripComments(line: string, inBlock: boolean): { code: string; inBlock: boolean } {
  let code = '';
  let i = 0;
  let block = inBlock;
  while (i < line.length) {
    if (block) {
      const end = line.indexOf('*/', i);
      const stop = end < 0 ? line.length : end + 2;
      code += ' '.repeat(stop - i);
      i = stop;
      block = end < 0;
      continue;
    }
    const open = line.indexOf('/*', i);
    const stop = open < 0 ? line.length : open;
    code += line.slice(i, stop);
    i = stop;
    if (open >= 0) block = true;
  }
  const cuts = [code.indexOf('//'), code.search(/(^|\s)#/)].filter((k) => k >= 0);
  return { code: cuts.length ? code.slice(0, Math.min(...cuts)) : code, inBlock: block };
}

/** Kernel-log state after `;` (`; R0=...`, `; frame1: ...`), or a source line `; int x = ...`. */
const LOG_COMMENT = /^\s*(R\d|fp|frame\d|[A-Z]|$)/;

/** Split a line into `;`-separated statements with their start offsets; the log's `; ...` is a comment. */
export function statements(code: string): Array<{ text: string; at: number }> {
  const parts = code.split(';');
  if (parts.length > 1 && parts[0]!.trim() === '') return [];
  const out: Array<{ text: string; at: number }> = [];
  let at = 0;
  parts.forEach((text, i) => {
    if (i > 0 && LOG_COMMENT.test(text) && text.trim() !== '') at = Infinity;
    if (at !== Infinity && text.trim() !== '') out.push({ text, at });
    if (at !== Infinity) at += text.length + 1;
  });
  return out;
}

const LOG_PREFIX = /^\s*\d+:\s*\([0-9a-f]{2}\)\s/;
const LABEL = /\s*([A-Za-z_.$][\w.$]*(?:%=)?|\d+)\s*:(?!=)/y;
const NUMERIC_REF = /^(\d+)([fb])$/;

function parseDirectiveLine(c: Cursor, st: State, line: number): void {
  const at = c.here();
  const name = c.ident('a directive');
  if (name !== '.raw' && name !== '.8byte') return parseDirective(c, name, at, st);
  const insn = name === '.raw' ? parseRaw(c) : parseEightByte(c);
  st.items.push({ kind: 'insn', insn, loc: { line, col: c.col(at) } });
}

function parseInstruction(c: Cursor, st: State, line: number): void {
  const at = c.here();
  c.ws();
  const loc = { line, col: c.col() };
  const p = parseInsnStatement(c);
  const v = checkInsn(p.insn);
  if (v) c.fail(`invalid instruction: ${v.message} (write it with .raw to keep it)`, at);
  st.items.push(p.target !== undefined
    ? { kind: 'insn', insn: p.insn, target: numericRef(st, p.target), loc } : { kind: 'insn', insn: p.insn, loc });
}

/** GNU-as numeric local labels: `1:` may repeat; `1f` is the next one, `1b` the previous. */
function numericLabel(st: State, n: string): string {
  const k = st.numeric.get(n) ?? 0;
  st.numeric.set(n, k + 1);
  return `${n}#${k}`;
}

function numericRef(st: State, target: string): string {
  const m = NUMERIC_REF.exec(target);
  if (!m) return target;
  const k = st.numeric.get(m[1]!) ?? 0;
  return m[2] === 'f' ? `${m[1]}#${k}` : `${m[1]}#${k - 1}`;
}

function parseStatement(code: string, colBase: number, line: number, st: State): void {
  let pos = 0;
  for (;;) {
    LABEL.lastIndex = pos;
    const m = LABEL.exec(code);
    if (!m) break;
    const name = /^\d+$/.test(m[1]!) ? numericLabel(st, m[1]!) : m[1]!;
    st.items.push({ kind: 'label', name, loc: { line, col: colBase + pos + m[0].indexOf(m[1]!) + 1 } });
    pos = LABEL.lastIndex;
  }
  const c = new Cursor(code, colBase, pos);
  if (c.atEnd()) return;
  if (c.peekRe(/\.[A-Za-z0-9]/)) parseDirectiveLine(c, st, line);
  else parseInstruction(c, st, line);
}

function parseLine(text: string, line: number, st: State): void {
  const stripped = stripComments(text, st.inBlock);
  st.inBlock = stripped.inBlock;
  let code = stripped.code;
  let colBase = 0;
  const pre = LOG_PREFIX.exec(code);
  if (pre) {
    colBase = pre[0].length;
    code = code.slice(colBase);
  }
  for (const s of statements(code)) parseStatement(s.text, colBase + s.at, line, st);
}

const where = (file: string, line: number, col: number): string => `${file}:${line}:${col}`;

/** Assembly text to a Program and its symbolic form. Throws UserError with file:line:col. */
export function assemble(text: string, opts: AsmOptions = {}): AsmResult {
  const file = opts.file ?? '<input>';
  const st: State = { flags: 0, maps: [], items: [], inBlock: false, numeric: new Map() };
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
