/**
 * Naming a corpus entry on the command line: a path, or a unique file-name prefix inside the
 * corpus directory (`runtime-safety-1a2b`).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { isCorpusEntry, readFileText } from './io.ts';
import { parseEntryText, type ValidatedEntry } from '../../corpus/validate-entry.ts';

/** A path, or the single entry in the corpus whose file name starts with `name`. */
export function resolveEntryPath(name: string, corpus: string): string {
  if (existsSync(name)) return name;
  const matches = existsSync(corpus) ? readdirSync(corpus).filter((f) => f.startsWith(name) && f.endsWith('.json')) : [];
  if (matches.length === 1) return path.join(corpus, matches[0]!);
  if (matches.length > 1) throw new UserError(`${name}: ambiguous, matches ${matches.length} entries in ${corpus} (${matches.slice(0, 3).join(', ')}...)`);
  throw new UserError(`${name}: no such file, and no entry in ${corpus} starts with it`);
}

/** A valid corpus entry from a file, or a UserError naming file and field path. */
export function readEntry(file: string, text = readFileText(file)): Required<Pick<ValidatedEntry, 'entry' | 'program'>> {
  const v = parseEntryText(file, text);
  if (!v.entry || !v.program) {
    const e = v.errors[0];
    throw new UserError(e ? `${e.file}: ${e.path || '/'}: ${e.message}` : `${file}: not a corpus entry`);
  }
  return { entry: v.entry, program: v.program };
}

/** The corpus entry in `file` (validated as readEntry does), or undefined when the file holds
 * something else, such as a program in assembly, hex or Program JSON. */
export function readEntryIfAny(file: string): ReturnType<typeof readEntry> | undefined {
  const text = readFileText(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isCorpusEntry(value) ? readEntry(file, text) : undefined;
}
