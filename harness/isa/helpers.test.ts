import { describe, it, expect } from 'vitest';
import { BPF_FUNC_MAX_ID, HELPER_NAMES, helperId, helperName } from './helpers.ts';

describe('helper table (Linux 6.18 __BPF_FUNC_MAPPER)', () => {
  it('has ids 0..211', () => {
    expect(BPF_FUNC_MAX_ID).toBe(212);
    expect(HELPER_NAMES.length).toBe(212);
    expect(new Set(HELPER_NAMES).size).toBe(212);
  });

  // Ids written by hand from include/uapi/linux/bpf.h.
  const known: Array<[number, string]> = [
    [0, 'bpf_unspec'], [1, 'bpf_map_lookup_elem'], [2, 'bpf_map_update_elem'], [3, 'bpf_map_delete_elem'],
    [7, 'bpf_get_prandom_u32'], [12, 'bpf_tail_call'], [25, 'bpf_perf_event_output'],
    [87, 'bpf_map_push_elem'], [88, 'bpf_map_pop_elem'], [89, 'bpf_map_peek_elem'],
    [130, 'bpf_ringbuf_output'], [131, 'bpf_ringbuf_reserve'], [132, 'bpf_ringbuf_submit'],
    [181, 'bpf_loop'], [197, 'bpf_dynptr_from_mem'], [209, 'bpf_user_ringbuf_drain'],
    [210, 'bpf_cgrp_storage_get'], [211, 'bpf_cgrp_storage_delete'],
  ];
  it.each(known)('id %i is %s', (id, name) => {
    expect(helperName(id)).toBe(name);
    expect(helperId(name)).toBe(id);
    expect(helperId(name.slice(4))).toBe(id);
  });

  it('has no name outside the range', () => {
    expect(helperName(212)).toBeUndefined();
    expect(helperName(-1)).toBeUndefined();
    expect(helperId('bpf_no_such_helper')).toBeUndefined();
  });
});
