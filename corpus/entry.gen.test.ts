import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { GENERATED_PATH, PROGRAM_GENERATED_PATH, generateEntryTypes, generateProgramTypes } from './gen-types.ts';

describe('corpus/entry.gen.ts', () => {
  it('is what npm run gen:types produces from the current schema (not stale)', async () => {
    const fresh = await generateEntryTypes();
    const committed = readFileSync(GENERATED_PATH, 'utf8');
    expect(committed, 'corpus/entry.gen.ts is stale: run npm run gen:types').toBe(fresh);
    expect(fresh).toContain('export interface CorpusEntry');
  });

  it('harness/isa/program.gen.ts is what npm run gen:types produces from the Program schema', async () => {
    const fresh = await generateProgramTypes();
    expect(readFileSync(PROGRAM_GENERATED_PATH, 'utf8'), 'harness/isa/program.gen.ts is stale: run npm run gen:types').toBe(fresh);
    expect(fresh).toContain('export interface ProgramJson');
    expect(fresh).toContain('export interface MapJson');
  });
});
