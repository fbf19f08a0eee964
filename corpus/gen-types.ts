/**
 * Writes corpus/entry.gen.ts from corpus/schema/entry.schema.json (the single source of the
 * corpus entry types) with json-schema-to-typescript. `npm run gen:types`; a test regenerates
 * and compares, so a stale committed file fails the suite.
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

/** $id -> local file, for every schema the entry schema may reference. */
const LOCAL_SCHEMAS: Readonly<Record<string, string>> = {
  'https://verifuzz.dev/schema/program.json': PROGRAM_SCHEMA_PATH,
};

const BANNER = `/* eslint-disable */
/**
 * GENERATED from corpus/schema/entry.schema.json by corpus/gen-types.ts (npm run gen:types).
 * Do not edit: change the schema and regenerate. corpus/entry.gen.test.ts fails when stale.
 */`;

/** The text of entry.gen.ts for the current schema. */
export async function generateEntryTypes(): Promise<string> {
  const schema = JSON.parse(readFileSync(ENTRY_SCHEMA_PATH, 'utf8'));
  return compile(schema, 'CorpusEntry', {
    bannerComment: BANNER,
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

async function main(): Promise<void> {
  const text = await generateEntryTypes();
  const tmp = `${GENERATED_PATH}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, GENERATED_PATH);
  process.stdout.write(`wrote ${path.relative(process.cwd(), GENERATED_PATH)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
