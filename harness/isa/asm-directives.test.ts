import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { assemble } from './asm.ts';
import { directivesOf } from './asm-directives.ts';
import { type MapDef, type Program, MAP_TYPES, PROG_TYPES, type MapType, type ProgType } from './program.ts';
import { UserError } from '../errors.ts';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const field = fc.record({
  kind: fc.constantFrom('spin_lock' as const, 'list_head' as const, 'rb_root' as const, 'timer' as const),
  off: fc.integer({ min: 0, max: 4096 }),
}).chain((f) => (f.kind === 'list_head' || f.kind === 'rb_root'
  ? fc.option(fc.record({ size: fc.integer({ min: 0, max: 99 }), off: fc.integer({ min: 0, max: 99 }) }), { nil: undefined })
    .map((node) => (node ? { ...f, node } : f))
  : fc.constant(f)));
const baseMap = fc.record({
  type: fc.constantFrom(...(Object.keys(MAP_TYPES) as MapType[])), keySize: u32, valueSize: u32, maxEntries: u32,
  flags: fc.option(u32, { nil: undefined }), mapExtra: fc.option(u32, { nil: undefined }),
  fields: fc.option(fc.array(field, { minLength: 1, maxLength: 3 }), { nil: undefined }),
}).map(({ flags, mapExtra, fields, ...m }): MapDef => ({
  ...m, ...(flags !== undefined ? { flags } : {}), ...(mapExtra !== undefined ? { mapExtra } : {}),
  ...(fields ? { btf: { fields } } : {}),
}));
const mapDef = fc.tuple(baseMap, fc.option(baseMap, { nil: undefined }))
  .map(([m, inner]) => (inner ? { ...m, inner } : m));

describe('directives', () => {
  it('directivesOf(p) assembles back to the same type, flags and maps (fast-check)', () => {
    fc.assert(fc.property(
      fc.constantFrom(...(Object.keys(PROG_TYPES) as ProgType[])), fc.integer({ min: 0, max: 0xff }), fc.array(mapDef, { maxLength: 3 }),
      (progType, flags, maps) => {
        const p: Program = { progType, insns: [], maps, ...(flags ? { flags } : {}) };
        const back = assemble(directivesOf(p).join('\n')).program;
        expect(back).toEqual(p);
      }), { numRuns: 1000 });
  });

  it('reads btf fields and inner maps (expected values by hand)', () => {
    const text = '.map 0 array_of_maps key=4 value=4 entries=1\n.inner 0 array key=4 value=8 entries=2\n'
      + '.map 1 array key=4 value=40 entries=1 btf=spin_lock@0,list_head@16:32:8\n';
    expect(assemble(text).program.maps).toEqual([
      { type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 1, inner: { type: 'array', keySize: 4, valueSize: 8, maxEntries: 2 } },
      { type: 'array', keySize: 4, valueSize: 40, maxEntries: 1,
        btf: { fields: [{ kind: 'spin_lock', off: 0 }, { kind: 'list_head', off: 16, node: { size: 32, off: 8 } }] } },
    ]);
  });

  it.each([
    ['.inner 0 array key=4 value=4 entries=1', 't.s:1:8: expected the index of a map defined above, got 0'],
    ['.map 0 array key=4 value=4 entries=1 btf=lock@0', 't.s:1:42: expected a value field spin_lock|list_head|rb_root|timer@OFF[:NODE_SIZE:NODE_OFF]'],
    ['.map 0 array key=4 entries=1', 't.s:1:29: expected value=N'],
    ['.nope', "t.s:1:1: expected a directive (.prog, .flags, .map, .inner, .raw, .8byte), got '.nope'"],
    ['.flags BPF_F_NOPE', "t.s:1:8: expected a prog flag name, got 'BPF_F_NOPE'"],
  ])('%j', (text, message) => {
    expect(() => assemble(text, { file: 't.s' })).toThrow(new UserError(message));
  });
});
