/**
 * Writes corpus/entry.gen.ts from corpus/schema/entry.schema.json (the single source of the
 * corpus entry types) and harness/isa/program.gen.ts from harness/isa/program.schema.json (the
 * Program interchange format) with json-schema-to-typescript. `npm run gen:types`; a test
 * regenerates and compares, so a stale committed file fails the suite.
 *
 * The entry schema references the Program format by its $id
 * (https://verifuzz.dev/schema/program.json); the resolver below serves the repo's copy, so
 * nothing is fetched from the network.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ENTRY_SCHEMA_PATH = path.join(HERE, 'schema/entry.schema.json');
export const PROGRAM_SCHEMA_PATH = path.join(HERE, '../harness/isa/program.schema.json');
export const GENERATED_PATH = path.join(HERE, 'entry.gen.ts');
export const PROGRAM_GENERATED_PATH = path.join(HERE, '../harness/isa/program.gen.ts');

/** $id -> local file, for every schema the entry schema may reference. */
const LOCAL_SCHEMAS: Readonly<Record<string, string>> = {
  'https://verifuzz.dev/schema/program.json': PROGRAM_SCHEMA_PATH,
};

const banner = (from: string): string => `/* eslint-disable */
/**
 * GENERATED from ${from} by corpus/gen-types.ts (npm run gen:types).
 * Do not edit: change the schema and regenerate. corpus/entry.gen.test.ts fails when stale.
 */`;

/** The text of entry.gen.ts for the current schema. */
export async function generateEntryTypes(): Promise<string> {
  return generate(ENTRY_SCHEMA_PATH, 'CorpusEntry', 'corpus/schema/entry.schema.json');
}

/** The text of harness/isa/program.gen.ts for the current Program schema. */
export async function generateProgramTypes(): Promise<string> {
  return generate(PROGRAM_SCHEMA_PATH, 'ProgramJson', 'harness/isa/program.schema.json');
}

async function generate(schemaPath: string, name: string, from: string): Promise<string> {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  return compile(schema, name, {
    bannerComment: banner(from),
    additionalProperties: false, // types only: ajv still accepts unknown fields (readers ignore them)
    strictIndexSignatures: true,
    unknownAny: true,
    $refOptions: {
      resolve: {
        verifuzz: {
          order: 1,
          canRead: (file: { url: string }) => Object.prototype.hasOwnProperty.call(LOCAL_SCHEMAS, file.url),
          read: (file: { url: string }) => readFileSync(LOCAL_SCHEMAS[file.url]!, 'utf8'),
        },
      },
    },
  });
}

function writeWhole(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

async function main(): Promise<void> {
  writeWhole(GENERATED_PATH, await generateEntryTypes());
  writeWhole(PROGRAM_GENERATED_PATH, await generateProgramTypes());
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
