/* eslint-disable */
/**
 * GENERATED from corpus/schema/entry.schema.json by corpus/gen-types.ts (npm run gen:types).
 * Do not edit: change the schema and regenerate. corpus/entry.gen.test.ts fails when stale.
 */

/**
 * seed: coverage input, no finding. open: unexplained finding. kernel-bug / model-bug / vm-bug: diagnosed. fixed: no longer reproduces. expected: a known, documented difference (a DIVERGENCE).
 */
export type Status = "seed" | "open" | "kernel-bug" | "model-bug" | "vm-bug" | "fixed" | "expected";
/**
 * sha256 hex. programHash: of the canonical program (progType, insns hex, maps, flags); bucket key: oracles/finding.ts bucketKey.
 */
export type Sha256 = string;
/**
 * design.md section 4.
 */
export type Oracle =
  | "runtime-safety"
  | "state-containment"
  | "verdict-differential"
  | "execution-differential"
  | "precision"
  | "domain-soundness"
  | "kernel-invariants";
/**
 * The target whose promise was broken (the kernel, the model), or 'vm' for a VM bug.
 */
export type TargetName = "model" | "kernel" | "vm";
/**
 * A 64-bit value as 0x-prefixed lower-case hex.
 */
export type U64Hex = string;
export type Verdict = "accept" | "reject";

/**
 * One corpus entry (design.md section 5): a program with everything needed to replay it, the finding it witnesses (absent for seeds), what each target is expected to say, and where it came from. This schema is the single source of the TypeScript types in corpus/entry.gen.ts (npm run gen:types). Unknown fields are ignored by readers. `program` is the (minimized) program in the Program interchange format, its asm field holding the listing for humans; `provenance.original` is the program before minimization.
 */
export interface CorpusEntry {
  schemaVersion: 1;
  /**
   * One line for humans.
   */
  title?: string;
  status: Status;
  program: ProgramJson;
  programHash: Sha256;
  /**
   * The program deliberately holds instructions outside the ISA (checkInsns violations); without this flag such an entry is refused on load.
   */
  invalidInsnsIntended?: boolean;
  finding?: Finding;
  bucket?: Bucket;
  expectations: Expectations;
  provenance: Provenance;
  occurrences: Occurrences;
  notes?: string;
}
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
export interface Finding {
  oracle: Oracle;
  target: TargetName;
  evidence: Evidence;
}
export interface Evidence {
  /**
   * One line: what diverged.
   */
  message: string;
  /**
   * The first diverging instruction (logical index).
   */
  pc?: number;
  /**
   * That instruction as the kernel log prints it.
   */
  insn?: string;
  /**
   * The verifier's state at pc, kernel log syntax (R1=scalar(...)).
   */
  abstract?: string;
  /**
   * Concrete register values at pc, by name (r0..r10).
   */
  concrete?: {
    [k: string]: U64Hex | undefined;
  };
  /**
   * Error texts by target, verbatim (verifier errors; the VM's sanitizer fault).
   */
  errors?: {
    model?: string;
    kernel?: string;
    vm?: string;
  };
  /**
   * Logs by target, verbatim (verifier logs; a VM trace); the writer may truncate them.
   */
  logs?: {
    model?: string;
    kernel?: string;
    vm?: string;
  };
}
/**
 * The dedup key of a finding (oracles/finding.ts bucketKey) and its parts, for humans.
 */
export interface Bucket {
  key: Sha256;
  oracle?: string;
  target?: string;
  /**
   * Opcode class and operation of the diverging instruction.
   */
  shape?: string;
  /**
   * The error text with numbers and registers normalised.
   */
  errorClass?: string;
}
export interface Expectations {
  model?: VerifierExpectation;
  /**
   * Kernel verdicts by kernel release (os.release()).
   */
  kernel?: {
    [k: string]: VerifierExpectation | undefined;
  };
  vm?: VmExpectation;
}
export interface VerifierExpectation {
  verdict: Verdict;
  /**
   * The one-line reason of a reject, verbatim.
   */
  error?: string;
  errno?: number;
  insnsProcessed?: number;
  /**
   * BPF_PROG_TEST_RUN retval (u32) on the entry's standard input.
   */
  retval?: number;
}
export interface VmExpectation {
  r0?: U64Hex;
  /**
   * The sanitizer fault, when the run is expected to fault.
   */
  fault?: string;
}
export interface Provenance {
  /**
   * Generator family (generators/index.ts), or 'manual'.
   */
  generator: string;
  /**
   * Campaign seed and iteration that reproduce the original program.
   */
  seed?: string;
  harnessVersion: string;
  kernelRelease?: string;
  date: string;
  original?: ProgramJson;
}
/**
 * How often the same bucket was found.
 */
export interface Occurrences {
  count: number;
  firstSeen: string;
  lastSeen: string;
}
