/**
 * Program input and output for every command: a FILE or `-` (stdin) holding a Program JSON, hex
 * bytecode, or assembly; outputs written whole (temp file, then rename) or to stdout.
 *
 * Detection: JSON when the text starts with `{`; hex when it holds only hex digits, optional `0x`
 * prefixes and whitespace; assembly otherwise. Invariant: every failure is a UserError naming the
 * file and where (line:col for JSON and assembly, byte offset for hex, field path for JSON).
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { type Program, type ProgType } from '../isa/program.ts';
import { programFromJson } from '../isa/program-json.ts';
import { DecodeError, decodeHex } from '../isa/codec.ts';
import { assemble } from '../isa/asm.ts';
import { UserError } from '../errors.ts';

export type SourceKind = 'json' | 'hex' | 'asm';

export interface ReadOptions {
  /** Program type for hex and for assembly without `.prog` (default socket_filter). */
  readonly defaultProgType?: ProgType;
  /** Force a format instead of detecting it. */
  readonly format?: SourceKind;
}

export interface ProgramSource {
  readonly program: Program;
  readonly source: SourceKind;
}

const HEX_ONLY = /^\s*((0[xX])?[0-9a-fA-F]+\s*)+$/;
/** Starts like bytecode (16 hex digits) and has no assembly punctuation: report hex errors. */
const LOOKS_HEX = /^(0[xX])?[0-9a-fA-F]{16}[\s\w]*$/;

export function detectKind(text: string): SourceKind {
  const t = text.trimStart();
  if (t.startsWith('{')) return 'json';
  if (HEX_ONLY.test(text) || LOOKS_HEX.test(t)) return 'hex';
  return 'asm';
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Text of FILE, or of stdin for `-`. */
export async function readText(pathOrDash: string): Promise<string> {
  if (pathOrDash === '-') return readStdin();
  return readFileText(pathOrDash);
}

/** A file's text, or a UserError naming the file and why it cannot be read (ENOENT, EISDIR, ...). */
export function readFileText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UserError(`${file}: cannot read (${err.code ?? err.message})`);
  }
}

/** line:col of a character position. */
function lineCol(text: string, pos: number): string {
  const before = text.slice(0, pos).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

function parseJsonText(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? `${name}:${lineCol(text, Number(pos[1]))}` : name;
    throw new UserError(`${where}: invalid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')}`);
  }
}

/** Does a parsed JSON value look like a corpus entry (rather than a Program)? */
export const isCorpusEntry = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && 'schemaVersion' in v;

/** Parse program text of a known kind. `name` is used in error messages. */
export function parseProgramText(text: string, kind: SourceKind, name: string, opts: ReadOptions = {}): Program {
  const progType = opts.defaultProgType ?? 'socket_filter';
  if (kind === 'json') {
    const value = parseJsonText(text, name);
    // A corpus entry stands for its program, so `verify`, `run` and `check` take entries too.
    const entry = isCorpusEntry(value);
    try {
      return programFromJson(entry ? (value as { program: unknown }).program : value);
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`${name}: ${entry ? e.message.replace(/^\/:?/, (m) => `/program${m === '/:' ? ':' : '/'}`) : e.message}`);
      throw e;
    }
  }
  if (kind === 'hex') {
    try {
      return { progType, insns: decodeHex(text), maps: [] };
    } catch (e) {
      if (e instanceof DecodeError) throw new UserError(`${name}: bad hex: ${e.message}`);
      throw e;
    }
  }
  return assemble(text, { file: name, defaultProgType: progType }).program;
}

/** Read a Program from FILE or `-` (stdin), detecting JSON, hex or assembly. */
export async function readProgramSource(pathOrDash: string, opts: ReadOptions = {}): Promise<ProgramSource> {
  const text = await readText(pathOrDash);
  const name = pathOrDash === '-' ? '<stdin>' : pathOrDash;
  const source = opts.format ?? detectKind(text);
  return { program: parseProgramText(text, source, name, opts), source };
}

/** Write a whole file atomically (temp file in the same folder, then rename), or stdout for `-`. */
export async function writeOutput(pathOrDash: string, text: string): Promise<void> {
  if (pathOrDash === '-') {
    process.stdout.write(text);
    return;
  }
  const tmp = path.join(path.dirname(pathOrDash), `.${path.basename(pathOrDash)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, pathOrDash);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new UserError(`${pathOrDash}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
