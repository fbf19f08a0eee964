import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BTF_FUNC, BTF_INT_SIGNED, BTF_KIND, BtfBuilder } from './encoder.ts';
import { BtfIndex } from './vmlinux.ts';

const ident = fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/);

type Spec =
  | { kind: 'int'; name: string; size: 1 | 2 | 4 | 8 }
  | { kind: 'struct'; name: string; members: string[] }
  | { kind: 'func'; name: string; params: string[] }
  | { kind: 'typedef'; name: string };

const spec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ kind: fc.constant('int' as const), name: ident, size: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const) }),
  fc.record({ kind: fc.constant('struct' as const), name: ident, members: fc.array(ident, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('func' as const), name: ident, params: fc.array(ident, { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('typedef' as const), name: ident }),
);

/** Emits the specs after one `int`; returns the (kind, name) of every named type, by id. */
function emit(b: BtfBuilder, specs: readonly Spec[]): Map<number, { kind: number; name: string }> {
  const out = new Map<number, { kind: number; name: string }>();
  const int = b.int('int', 4, BTF_INT_SIGNED);
  out.set(int, { kind: BTF_KIND.INT, name: 'int' });
  for (const s of specs) {
    if (s.kind === 'int') out.set(b.int(s.name, s.size), { kind: BTF_KIND.INT, name: s.name });
    if (s.kind === 'struct') {
      const id = b.struct(s.name, 4 * s.members.length, s.members.map((m, i) => ({ name: m, type: int, bitOffset: 32 * i })));
      out.set(id, { kind: BTF_KIND.STRUCT, name: s.name });
    }
    if (s.kind === 'func') {
      const proto = b.funcProto(int, s.params.map((p) => ({ name: p, type: int })));
      out.set(proto, { kind: BTF_KIND.FUNC_PROTO, name: '' });
      out.set(b.func(s.name, proto, BTF_FUNC.STATIC), { kind: BTF_KIND.FUNC, name: s.name });
    }
    if (s.kind === 'typedef') out.set(b.typedef(s.name, int), { kind: BTF_KIND.TYPEDEF, name: s.name });
  }
  return out;
}

describe('BtfBuilder <-> BtfIndex', () => {
  it('round-trips every type: the reader finds each emitted kind and name at its id', () => {
    fc.assert(fc.property(fc.array(spec, { maxLength: 20 }), (specs) => {
      const b = new BtfBuilder();
      const want = emit(b, specs);
      const idx = new BtfIndex(Buffer.from(b.bytes()));
      expect(idx.typeCount).toBe(b.typeCount);
      for (const [id, t] of want) {
        const got = idx.type(id)!;
        expect(got.kind).toBe(t.kind);
        expect(got.name).toBe(t.name);
      }
    }));
  });

  it('writes the header by the uapi layout (magic 0xeb9f, version 1, hdr_len 24)', () => {
    const b = new BtfBuilder();
    b.int('int', 4, BTF_INT_SIGNED);
    const bytes = Buffer.from(b.bytes());
    expect(bytes.readUInt16LE(0)).toBe(0xeb9f);
    expect(bytes[2]).toBe(1);
    expect(bytes.readUInt32LE(4)).toBe(24);
    // one INT record: 12 bytes + 4 bytes of encoding; strings "\0int\0"
    expect(bytes.readUInt32LE(12)).toBe(16);
    expect(bytes.readUInt32LE(20)).toBe(5);
    expect(bytes.readUInt32LE(24 + 12)).toBe((BTF_INT_SIGNED << 24) | 32);
  });

  it('deduplicates strings', () => {
    const b = new BtfBuilder();
    expect(b.str('x')).toBe(b.str('x'));
    expect(b.str('')).toBe(0);
  });
});
