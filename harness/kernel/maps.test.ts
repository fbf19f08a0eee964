import { expect, it } from 'vitest';
import { describeKernel } from './testing.ts';
import { createMap, MapCreateError, numPossibleCpus, userValueSize } from './maps.ts';
import type { MapDef } from '../isa/program.ts';

const u32 = (v: number): Uint8Array => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); return b; };

it('per-CPU values are 8-byte slots times the possible CPUs', () => {
  const n = numPossibleCpus();
  expect(n).toBeGreaterThan(0);
  expect(userValueSize({ type: 'percpu_array', keySize: 4, valueSize: 4, maxEntries: 1 })).toBe(8 * n);
  expect(userValueSize({ type: 'hash', keySize: 4, valueSize: 12, maxEntries: 1 })).toBe(12);
});

describeKernel('kernel maps', () => {
  const VM_TYPES: MapDef[] = [
    { type: 'array', keySize: 4, valueSize: 8, maxEntries: 4 },
    { type: 'hash', keySize: 8, valueSize: 16, maxEntries: 4 },
    { type: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 2 },
    { type: 'percpu_hash', keySize: 4, valueSize: 8, maxEntries: 2 },
    { type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 4 },
    { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 },
    { type: 'user_ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 },
    { type: 'bloom_filter', keySize: 0, valueSize: 4, maxEntries: 8, mapExtra: 3 },
    { type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 2 },
  ];

  it('creates every map type the VM supports', () => {
    // (Maps with BTF fields are created with the program's BTF in load.ts: features.test.ts.)
    for (const def of VM_TYPES) {
      const m = createMap(def);
      expect(m.fd).toBeGreaterThanOrEqual(0);
      m.close();
    }
  });

  it('update then lookup round-trips; hash delete removes', () => {
    const a = createMap(VM_TYPES[0]!);
    expect(a.update(u32(2), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))).toBe(0);
    expect(Array.from(a.lookup(u32(2))!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(a.lookup(u32(1))!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(a.lookup(u32(9))).toBeUndefined();
    a.close();
    const h = createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 2 });
    expect(h.lookup(u32(5))).toBeUndefined();
    expect(h.update(u32(5), u32(77))).toBe(0);
    expect(Array.from(h.lookup(u32(5))!)).toEqual([77, 0, 0, 0]);
    expect(h.delete(u32(5))).toBe(0);
    expect(h.lookup(u32(5))).toBeUndefined();
    h.close();
  });

  it('per-CPU lookups return one slot per possible CPU', () => {
    const m = createMap(VM_TYPES[2]!);
    expect(m.lookup(u32(0))!.length).toBe(8 * numPossibleCpus());
    m.close();
  });

  it('a refused map throws MapCreateError with errno and the definition', () => {
    let err: unknown;
    try { createMap({ type: 'array', keySize: 3, valueSize: 8, maxEntries: 1 }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(MapCreateError);
    expect((err as MapCreateError).errno).toBe(22);
    expect((err as Error).message).toBe('BPF_MAP_CREATE (array, key 3, value 8, max 1) failed with EINVAL');
  });
});
