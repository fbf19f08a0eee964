/**
 * Validation of one corpus entry: the JSON Schema (ajv, every error with its field path), then
 * what a schema cannot say: the program decodes, its instructions are in the ISA (unless the
 * entry says invalid instructions are intended), and programHash matches the program.
 * Invariant: `validateEntry` returns either a program and no errors, or at least one error.
 */
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject } from 'ajv';
import entrySchema from './schema/entry.schema.json' with { type: 'json' };
import programSchema from '../harness/isa/program.schema.json' with { type: 'json' };
import type { CorpusEntry } from './entry.gen.ts';
import { programFromJson, programToJson } from '../harness/isa/program-json.ts';
import type { Program } from '../harness/isa/program.ts';
import { checkInsns } from '../harness/isa/validate.ts';
import { UserError } from '../harness/errors.ts';

export interface EntryError {
  readonly file: string;
  /** JSON pointer of the offending field ('' for the whole file). */
  readonly path: string;
  readonly message: string;
}

const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('date-time', DATE_TIME);
ajv.addSchema(programSchema);
const validateSchema = ajv.compile<CorpusEntry>(entrySchema);

function ajvMessage(e: ErrorObject): string {
  if (e.keyword === 'enum') return `${e.message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  if (e.keyword === 'required') return `must have required property '${(e.params as { missingProperty: string }).missingProperty}'`;
  return e.message ?? e.keyword;
}

/** sha256 of the canonical program JSON (asm and id excluded). */
export function programHash(p: Program): string {
  const { asm: _asm, ...canon } = programToJson(p);
  return createHash('sha256').update(JSON.stringify(canon)).digest('hex');
}

/** "/insns: bad hex" -> path "/program/insns", message "bad hex". */
function splitUserError(prefix: string, message: string): { path: string; message: string } {
  const m = /^(\/[^:\s]*): (.*)$/s.exec(message);
  return m ? { path: prefix + (m[1] === '/' ? '' : m[1]), message: m[2]! } : { path: prefix, message };
}

function decodeProgram(file: string, value: unknown, at: string): { program?: Program; errors: EntryError[] } {
  try {
    return { program: programFromJson(value), errors: [] };
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return { errors: [{ file, ...splitUserError(at, e.message) }] };
  }
}

function semanticErrors(file: string, entry: CorpusEntry, program: Program): EntryError[] {
  const errors: EntryError[] = [];
  if (!entry.invalidInsnsIntended) {
    for (const v of checkInsns(program.insns)) {
      errors.push({ file, path: '/program/insns', message: `insn ${v.pc}: ${v.message}` });
    }
  }
  const hash = programHash(program);
  if (hash !== entry.programHash) {
    errors.push({ file, path: '/programHash', message: `does not match the program (sha256 ${hash})` });
  }
  if (entry.provenance.original) {
    errors.push(...decodeProgram(file, entry.provenance.original, '/provenance/original').errors);
  }
  return errors;
}

export interface ValidatedEntry {
  readonly entry?: CorpusEntry;
  readonly program?: Program;
  readonly errors: readonly EntryError[];
}

/** Validate a parsed JSON value as a corpus entry read from `file`. */
export function validateEntry(file: string, value: unknown): ValidatedEntry {
  if (!validateSchema(value)) {
    const errors = (validateSchema.errors ?? []).map((e) => ({ file, path: e.instancePath, message: ajvMessage(e) }));
    return { errors };
  }
  const { program, errors } = decodeProgram(file, value.program, '/program');
  if (!program) return { errors };
  const more = semanticErrors(file, value, program);
  return more.length ? { errors: more } : { entry: value, program, errors: [] };
}

/** Parse the text of an entry file; a JSON syntax error is reported at path ''. */
export function parseEntryText(file: string, text: string): ValidatedEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { errors: [{ file, path: '', message: `invalid JSON: ${(e as Error).message}` }] };
  }
  return validateEntry(file, value);
}
