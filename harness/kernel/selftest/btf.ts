/**
 * The BTF that test_verifier.c builds for its spin_lock / timer / kptr / sk_storage maps (its
 * `btf_raw_types`), re-expressed with our encoder: `int`, `struct bpf_spin_lock`, `struct val
 * {int cnt; struct bpf_spin_lock l;}`, `struct bpf_timer`, `struct timer {struct bpf_timer t;}`,
 * the kptr target structs behind `kptr_untrusted` / `kptr` type tags, and `struct btf_ptr`.
 *
 * Invariant: the type ids match test_verifier's (1 int, 3 val, 5 timer, 14 btf_ptr), which its
 * maps reference.
 */
import { BTF_INT_SIGNED, BTF_KIND, BtfBuilder } from '../btf/encoder.ts';

export const SELFTEST_BTF_IDS = { int: 1, val: 3, timer: 5, btfPtr: 14 } as const;

const typeTag = (b: BtfBuilder, value: string, target: number): number =>
  b.raw(value, (BTF_KIND.TYPE_TAG << 24) >>> 0, target, []);

export function selftestBtf(): Uint8Array {
  const b = new BtfBuilder();
  const int = b.int('int', 4, BTF_INT_SIGNED);
  const lock = b.struct('bpf_spin_lock', 4, [{ name: 'val', type: int, bitOffset: 0 }]);
  b.struct('val', 8, [{ name: 'cnt', type: int, bitOffset: 0 }, { name: 'l', type: lock, bitOffset: 32 }]);
  const timer = b.struct('bpf_timer', 16, []);
  b.struct('timer', 16, [{ name: 't', type: timer, bitOffset: 0 }]);
  const refKfunc = b.struct('prog_test_ref_kfunc', 0, []);
  const member = b.struct('prog_test_member', 0, []);
  const untrusted = typeTag(b, 'kptr_untrusted', refKfunc);
  const kptr = typeTag(b, 'kptr', refKfunc);
  const kptrMember = typeTag(b, 'kptr', member);
  const p1 = b.ptr(untrusted);
  const p2 = b.ptr(kptr);
  const p3 = b.ptr(kptrMember);
  const btfPtr = b.struct('btf_ptr', 24, [
    { name: 'ptr', type: p1, bitOffset: 0 }, { name: 'ptr', type: p2, bitOffset: 64 }, { name: 'ptr', type: p3, bitOffset: 128 }]);
  if (btfPtr !== SELFTEST_BTF_IDS.btfPtr) throw new Error('selftest BTF layout drifted');
  return b.bytes();
}
