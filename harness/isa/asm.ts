/**
 * Assembler: text in the kernel-log / llvm-objdump syntax to a Program.
 *
 * A file is lines; each line holds optional labels (`foo:`, `l0_%=:`), at most one statement and
 * an optional comment (`//`, `/* *\/`, `;` as in the verifier log, `#` at the start or after a
 * blank). A pasted log line keeps working: a leading `N: (op) ` is skipped. Statements are
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
import { type DirectiveState, parseDirective, parseRaw } from './asm-directives.ts';
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

function parseDirectiveLine(c: Cursor, st: State, line: number): void {
  const at = c.here();
  const name = c.ident('a directive');
  if (name !== '.raw') return parseDirective(c, name, at, st);
  st.items.push({ kind: 'insn', insn: parseRaw(c), loc: { line, col: c.col(at) } });
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
  if (c.peekRe(/\.[A-Za-z]/)) parseDirectiveLine(c, st, line);
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
