/* eslint-disable */
/**
 * GENERATED from harness/isa/program.schema.json by corpus/gen-types.ts (npm run gen:types).
 * Do not edit: change the schema and regenerate. corpus/entry.gen.test.ts fails when stale.
 */

/**
 * A BPF program as verifuzz exchanges it (design.md section 5). insns is hex, 8 bytes per slot, little-endian. Unknown fields are ignored.
 */
export interface ProgramJson {
  /**
   * Caller's identifier (batch check).
   */
  id?: string | number;
  /**
   * Lower-case suffix of BPF_PROG_TYPE_*
   */
  progType: string;
  insns: string;
  maps?: MapJson[];
  /**
   * prog_flags: a number, or a list of BPF_F_* names
   */
  flags?: number | string[];
  /**
   * Informative listing.
   */
  asm?: string;
}
export interface MapJson {
  /**
   * Lower-case suffix of BPF_MAP_TYPE_*
   */
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  mapExtra?: number;
  btf?: {
    fields: {
      kind: "spin_lock" | "list_head" | "rb_root" | "timer";
      off: number;
      /**
       * list_head / rb_root only: the node struct the collection contains (its size and the offset of its bpf_list_node / bpf_rb_node)
       */
      node?: {
        size: number;
        off: number;
      };
    }[];
  };
  inner?: MapJson;
}
