/**
 * Where the external test suites live (../shared/conformance, beside the repository) and how
 * tests use them: read at test time, never copied into the project. When the folder is absent a
 * suite is skipped with a clear reason, unless VERIFUZZ_REQUIRE_CONFORMANCE=1 (CI), in which case
 * the test fails instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CONFORMANCE_DIR = process.env.VERIFUZZ_CONFORMANCE_DIR
  ?? path.resolve(REPO_ROOT, '../shared/conformance');

export const requireConformance = (): boolean => process.env.VERIFUZZ_REQUIRE_CONFORMANCE === '1';

/** Path of a suite file, or undefined (with the reason logged once) when it is absent. */
export function conformancePath(file: string): string | undefined {
  const p = path.join(CONFORMANCE_DIR, file);
  if (existsSync(p)) return p;
  const reason = `conformance suite ${p} is absent`;
  if (requireConformance()) throw new Error(`${reason} and VERIFUZZ_REQUIRE_CONFORMANCE=1`);
  console.warn(`SKIP: ${reason}; set VERIFUZZ_CONFORMANCE_DIR or provide ../shared/conformance`);
  return undefined;
}

/** Parse a JSON-lines file (optionally .gz) into records. */
export function readJsonl<T = Record<string, unknown>>(file: string): T[] {
  const buf = readFileSync(file);
  const text = file.endsWith('.gz') ? gunzipSync(buf).toString('utf8') : buf.toString('utf8');
  return text.split('\n').filter((l) => l.trim().length > 0).map((l) => JSON.parse(l) as T);
}
