/**
 * Program <-> JSON (design.md section 5), validated with the JSON Schema in program.schema.json.
 * Every error names the field path ("/maps/0/keySize: must be integer").
 */
import { Ajv } from 'ajv';
import schema from './program.schema.json' with { type: 'json' };
import { decodeHex, encodeHex, DecodeError } from './codec.ts';
import {
  type MapDef, type Program, PROG_FLAGS, type ProgFlagName, flagNames, isMapType, isProgType,
} from './program.ts';
import { UserError } from '../errors.ts';

// The JSON shapes are generated from program.schema.json (npm run gen:types): one source.
export type { MapJson, ProgramJson } from './program.gen.ts';
import type { MapJson, ProgramJson } from './program.gen.ts';

const ajv = new Ajv({ allErrors: false, strict: false });
const validateSchema = ajv.compile<ProgramJson>(schema);

function mapFromJson(m: MapJson, path: string): MapDef {
  if (!isMapType(m.type)) throw new UserError(`${path}/type: unknown map type '${m.type}'`);
  return {
    type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries,
    ...(m.flags !== undefined ? { flags: m.flags } : {}),
    ...(m.mapExtra !== undefined ? { mapExtra: m.mapExtra } : {}),
    ...(m.btf ? { btf: { fields: m.btf.fields.map((f) => ({ kind: f.kind, off: f.off, ...(f.node ? { node: { size: f.node.size, off: f.node.off } } : {}) })) } } : {}),
    ...(m.inner ? { inner: mapFromJson(m.inner, `${path}/inner`) } : {}),
  };
}

function flagsFromJson(f: number | string[] | undefined): number | undefined {
  if (f === undefined) return undefined;
  if (typeof f === 'number') return f;
  let v = 0;
  f.forEach((name, i) => {
    if (!Object.prototype.hasOwnProperty.call(PROG_FLAGS, name)) {
      throw new UserError(`/flags/${i}: unknown prog flag '${name}' (known: ${Object.keys(PROG_FLAGS).join(', ')})`);
    }
    v |= PROG_FLAGS[name as ProgFlagName];
  });
  return v >>> 0;
}

/** A parsed JSON value to a Program. Throws UserError naming the field path. */
export function programFromJson(value: unknown): Program {
  if (!validateSchema(value)) {
    const err = validateSchema.errors?.[0];
    const where = err?.instancePath || '/';
    throw new UserError(`${where}: ${err?.message ?? 'invalid program'}`);
  }
  if (!isProgType(value.progType)) throw new UserError(`/progType: unknown program type '${value.progType}'`);
  let insns;
  try {
    insns = decodeHex(value.insns);
  } catch (e) {
    if (e instanceof DecodeError) throw new UserError(`/insns: ${e.message}`);
    throw e;
  }
  const maps = (value.maps ?? []).map((m, i) => mapFromJson(m, `/maps/${i}`));
  const flags = flagsFromJson(value.flags);
  return { progType: value.progType, insns, maps, ...(flags ? { flags } : {}) };
}

function mapToJson(m: MapDef): MapJson {
  return {
    type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries,
    ...(m.flags !== undefined ? { flags: m.flags } : {}),
    ...(m.mapExtra !== undefined ? { mapExtra: m.mapExtra } : {}),
    ...(m.btf ? { btf: { fields: m.btf.fields.map((f) => ({ ...f })) } } : {}),
    ...(m.inner ? { inner: mapToJson(m.inner) } : {}),
  };
}

export function programToJson(p: Program, asm?: string): ProgramJson {
  return {
    progType: p.progType,
    insns: encodeHex(p.insns),
    maps: p.maps.map(mapToJson),
    ...(p.flags ? { flags: flagNames(p.flags) } : {}),
    ...(asm !== undefined ? { asm } : {}),
  };
}

/** JSON text to a Program; syntax errors name the position. */
export function parseProgramJson(text: string): Program {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UserError(`invalid JSON: ${(e as Error).message}`);
  }
  return programFromJson(value);
}
