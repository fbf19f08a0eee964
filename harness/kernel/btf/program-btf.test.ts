import { describe, expect, it } from 'vitest';
import { resolve, CallLocal, Exit, Label, LdFunc, Mov64, CallKfunc, R0, R1 } from '../../isa/builder.ts';
import { slotCount } from '../../isa/insn.ts';
import type { MapDef, Program } from '../../isa/program.ts';
import { BtfIndex } from './vmlinux.ts';
import { BTF_KIND } from './encoder.ts';
import { buildProgramBtf, localTypeId, LOCAL_OBJ_TYPE_ID, programNeedsBtf, subprogStarts } from './program-btf.ts';

const p = (items: Parameters<typeof resolve>[0], maps: MapDef[] = []): Program => ({ progType: 'socket_filter', insns: resolve(items), maps });

describe('program BTF', () => {
  it('subprogStarts: main, bpf-to-bpf call targets and ld_imm64 src=4 targets, in slots', () => {
    // 0: r1 = cb (2 slots) 2: call sub 3: exit 4: sub: r0 = 0 5: exit 6: cb: r0 = 0 7: exit
    const insns = resolve([LdFunc(R1, 'cb'), CallLocal('sub'), Exit(), Label('sub'), Mov64.Imm(R0, 0), Exit(), Label('cb'), Mov64.Imm(R0, 0), Exit()]);
    expect(slotCount(insns)).toBe(8);
    expect(subprogStarts(insns)).toEqual([0, 4, 6]);
  });

  it('needs BTF for callbacks, BTF maps and kfunc calls only', () => {
    expect(programNeedsBtf(p([Mov64.Imm(R0, 0), Exit()]))).toBe(false);
    expect(programNeedsBtf(p([CallLocal('f'), Exit(), Label('f'), Mov64.Imm(R0, 0), Exit()]))).toBe(false);
    expect(programNeedsBtf(p([CallKfunc(1234), Exit()]))).toBe(true);
    expect(programNeedsBtf(p([Exit()], [{ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, btf: { fields: [{ kind: 'spin_lock', off: 0 }] } }]))).toBe(true);
  });

  it('func_info points at FUNC records; map value, node types and decl tag are where the ids say', () => {
    const maps: MapDef[] = [
      { type: 'hash', keySize: 4, valueSize: 8, maxEntries: 1 },
      { type: 'array', keySize: 4, valueSize: 24, maxEntries: 1, btf: { fields: [{ kind: 'spin_lock', off: 0 }, { kind: 'list_head', off: 8 }] } },
    ];
    const prog = p([LdFunc(R1, 'cb'), Exit(), Label('cb'), Mov64.Imm(R0, 0), Exit()], maps);
    const btf = buildProgramBtf(prog);
    const idx = new BtfIndex(Buffer.from(btf.bytes));
    expect(btf.funcInfo.map((f) => f.insnOff)).toEqual([0, 3]);
    expect(btf.funcInfo.map((f) => idx.type(f.typeId)!.kind)).toEqual([BTF_KIND.FUNC, BTF_KIND.FUNC]);
    expect(idx.type(btf.funcInfo[1]!.typeId)!.vlen).toBe(0); // static linkage
    expect(btf.maps[0]).toBeUndefined();
    const value = idx.type(btf.maps[1]!.valueTypeId)!;
    expect([value.kind, value.sizeOrType]).toEqual([BTF_KIND.STRUCT, 24]);
    const node = idx.type(localTypeId(maps, 1, 1))!;
    expect([node.kind, node.name, node.sizeOrType]).toEqual([BTF_KIND.STRUCT, 'node_1_1', 32]);
    expect(idx.idOf(BTF_KIND.DECL_TAG, 'contains:node_1_1:node')).toBeDefined();
    expect(idx.type(LOCAL_OBJ_TYPE_ID)!.name).toBe('local_obj');
    expect(idx.idOf(BTF_KIND.STRUCT, 'bpf_list_node')).toBeDefined();
    expect(idx.type(idx.idOf(BTF_KIND.STRUCT, 'bpf_list_node')!)!.sizeOrType).toBe(24);
  });
});
