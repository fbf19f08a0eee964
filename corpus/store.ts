/**
 * The corpus on disk: one JSON file per entry in a directory. Loading validates every file and
 * reports each problem with file and field path, skipping bad files while the others load.
 * Writing is atomic and deduplicating: the file name derives from the bucket key (findings) or
 * the program hash (seeds), so the same bug found twice lands in the same file, whose occurrence
 * count and first/last seen dates are merged. Invariant: every *.json file this module writes
 * validates against the entry schema.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { CorpusEntry } from './entry.gen.ts';
import type { Program } from '../harness/isa/program.ts';
import { writeFileAtomic, isTempName, type AtomicWriteHooks } from './atomic.ts';
import { type EntryError, parseEntryText, validateEntry } from './validate-entry.ts';

export type { EntryError } from './validate-entry.ts';
export { programHash } from './validate-entry.ts';

export interface LoadedEntry {
  readonly file: string;
  readonly entry: CorpusEntry;
  readonly program: Program;
}

export interface LoadResult {
  readonly entries: LoadedEntry[];
  readonly errors: EntryError[];
}

/** Every *.json entry of `dir` (sorted by name), validated. A missing directory is empty. */
export function loadCorpus(dir: string): LoadResult {
  const entries: LoadedEntry[] = [];
  const errors: EntryError[] = [];
  if (!existsSync(dir)) return { entries, errors };
  const names = readdirSync(dir).filter((n) => n.endsWith('.json') && !isTempName(n)).sort();
  for (const name of names) {
    const file = path.join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      errors.push({ file, path: '', message: `cannot read: ${(e as Error).message}` });
      continue;
    }
    const v = parseEntryText(file, text);
    if (v.entry && v.program) entries.push({ file, entry: v.entry, program: v.program });
    else errors.push(...v.errors);
  }
  return { entries, errors };
}

const shortHash = (h: string): string => h.slice(0, 20);

/** The file name of an entry: `<oracle>-<bucket hash>.json` for findings, `seed-<program hash>.json` otherwise. */
export function entryFileName(entry: CorpusEntry): string {
  if (entry.finding && entry.bucket) return `${entry.finding.oracle}-${shortHash(entry.bucket.key)}.json`;
  return `${entry.status === 'seed' ? 'seed' : 'program'}-${shortHash(entry.programHash)}.json`;
}

const earlier = (a: string, b: string): string => (Date.parse(a) <= Date.parse(b) ? a : b);
const later = (a: string, b: string): string => (Date.parse(a) >= Date.parse(b) ? a : b);

/**
 * Merge a new sighting into a stored entry of the same file name. The stored entry keeps its
 * status, title and notes (curated by people); the shorter program wins (with its hash, evidence
 * and provenance); kernel expectations merge per release; occurrences add up.
 */
export function mergeEntries(old: CorpusEntry, incoming: CorpusEntry): CorpusEntry {
  const shorter = incoming.program.insns.length < old.program.insns.length ? incoming : old;
  return {
    ...old,
    program: shorter.program,
    programHash: shorter.programHash,
    ...(shorter.finding ? { finding: shorter.finding } : {}),
    provenance: shorter.provenance,
    expectations: {
      ...old.expectations,
      ...incoming.expectations,
      kernel: { ...old.expectations.kernel, ...incoming.expectations.kernel },
    },
    occurrences: {
      count: old.occurrences.count + incoming.occurrences.count,
      firstSeen: earlier(old.occurrences.firstSeen, incoming.occurrences.firstSeen),
      lastSeen: later(old.occurrences.lastSeen, incoming.occurrences.lastSeen),
    },
  };
}

/** Canonical text of an entry: 2-space JSON, trailing newline. */
export const entryText = (entry: CorpusEntry): string => `${JSON.stringify(entry, null, 2)}\n`;

export interface WriteResult {
  readonly file: string;
  /** false when the entry merged into an existing file. */
  readonly created: boolean;
  readonly entry: CorpusEntry;
}

/**
 * Read the stored entry at `file` if it is valid. An invalid one (a hand edit gone wrong) is
 * moved aside to `<file>.invalid-<n>` (not *.json, so loaders skip it) rather than overwritten.
 */
function readStored(file: string): CorpusEntry | undefined {
  if (!existsSync(file)) return undefined;
  const stored = parseEntryText(file, readFileSync(file, 'utf8')).entry;
  if (!stored) {
    let n = 1;
    while (existsSync(`${file}.invalid-${n}`)) n++;
    renameSync(file, `${file}.invalid-${n}`);
  }
  return stored;
}

/**
 * Validate and store `entry` in `dir` (created if needed), merging with an existing entry of the
 * same bucket. Throws an Error listing the field paths if the entry is invalid: callers build
 * entries, so an invalid one is a bug, not user input.
 */
export function writeEntry(dir: string, entry: CorpusEntry, hooks: AtomicWriteHooks = {}): WriteResult {
  const name = entryFileName(entry);
  const file = path.join(dir, name);
  const v = validateEntry(file, entry);
  if (!v.entry) throw new Error(`invalid corpus entry ${name}: ${v.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; ')}`);
  mkdirSync(dir, { recursive: true });
  const stored = readStored(file);
  const merged = stored ? mergeEntries(stored, entry) : entry;
  writeFileAtomic(file, entryText(merged), hooks);
  return { file, created: !stored, entry: merged };
}
