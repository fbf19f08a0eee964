import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BTF_KIND } from './encoder.ts';
import { kfuncId, vmlinuxBtf } from './vmlinux.ts';
import { VMLINUX_BTF_PATH } from '../capability.ts';

const present = existsSync(VMLINUX_BTF_PATH);
if (!present) console.warn(`SKIP: ${VMLINUX_BTF_PATH} is absent`);

describe.skipIf(!present)('vmlinux BTF reader', () => {
  it('resolves the kfuncs of kernel-facts.md to FUNC records of that name', () => {
    for (const name of ['bpf_obj_new_impl', 'bpf_obj_drop_impl', 'bpf_list_push_front_impl', 'bpf_list_pop_front',
      'bpf_iter_num_new', 'bpf_iter_num_next', 'bpf_iter_num_destroy', 'bpf_dynptr_from_skb']) {
      const t = vmlinuxBtf().type(kfuncId(name))!;
      expect([t.kind, t.name]).toEqual([BTF_KIND.FUNC, name]);
    }
  });

  it('reads the whole file: tens of thousands of types, core structs present', () => {
    const b = vmlinuxBtf();
    expect(b.typeCount).toBeGreaterThan(50_000);
    const id = b.idOf(BTF_KIND.STRUCT, 'bpf_spin_lock')!;
    expect(b.type(id)!.sizeOrType).toBe(4);
  });

  it('names the missing kfunc', () => {
    expect(() => kfuncId('bpf_no_such_kfunc_xyz')).toThrow("kfunc 'bpf_no_such_kfunc_xyz' is not in this kernel's BTF");
  });
});
