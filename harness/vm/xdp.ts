/**
 * The XDP frame as BPF_PROG_TEST_RUN builds it (net/bpf/test_run.c): a page-sized buffer with
 * XDP_PACKET_HEADROOM (256) bytes before the packet and room for skb_shared_info after it; the
 * packet region is exactly [data_meta, data_end) of that buffer. bpf_xdp_adjust_head / _meta /
 * _tail move the window: the old packet region is freed (stale packet pointers become a use
 * after free, as the verifier invalidates them) and a new region covers the new window.
 * DIVERGENCE: sizeof(struct xdp_frame) and skb_shared_info are taken as 40 and 320 bytes.
 */
import type { VmState } from './state.ts';

export const XDP_PACKET_HEADROOM = 256;
const FRAME_SIZE = 4096;
const XDP_FRAME_SIZE = 40;
const SHINFO_SIZE = 320;
const ETH_HLEN = 14;
const EINVAL = 22, EACCES = 13;

/**
 * The frame buffer, zeroed: one pooled buffer per size, reused run after run (runs never nest,
 * and nothing keeps the frame past its run: the packet output is a copy, xdpPacketOut).
 */
let pooledFrame = new Uint8Array(0);
function frameOf(size: number): Uint8Array {
  if (pooledFrame.length !== size) pooledFrame = new Uint8Array(size);
  else pooledFrame.fill(0);
  return pooledFrame;
}

/** Build the frame around the input packet and map the packet region onto it. */
export function setupXdpFrame(st: VmState, packet: Uint8Array): void {
  const size = Math.max(FRAME_SIZE, XDP_PACKET_HEADROOM + packet.length + SHINFO_SIZE);
  st.xdpFrame = frameOf(size);
  st.xdpFrame.set(packet, XDP_PACKET_HEADROOM);
  st.xdpMeta = st.xdpData = XDP_PACKET_HEADROOM;
  st.xdpEnd = XDP_PACKET_HEADROOM + packet.length;
  remap(st);
}

/** (Re)create the packet region over [meta, end) and free the previous one. */
function remap(st: VmState): boolean {
  if (st.packetRid) st.mem.free(st.packetRid);
  const r = st.mem.allocTransientView('packet', st.xdpFrame!.subarray(st.xdpMeta, st.xdpEnd), 'packet');
  if (!r) return false;
  st.packetRid = r.rid;
  st.metaOff = 0;
  st.dataOff = st.xdpData - st.xdpMeta;
  st.dataEndOff = st.xdpEnd - st.xdpMeta;
  return true;
}

export function xdpAdjustHead(st: VmState, delta: number): number {
  const metalen = st.xdpData - st.xdpMeta;
  const data = st.xdpData + delta;
  if (data < XDP_FRAME_SIZE + metalen || data > st.xdpEnd - ETH_HLEN) return -EINVAL;
  if (metalen) st.xdpFrame!.copyWithin(st.xdpMeta + delta, st.xdpMeta, st.xdpData);
  st.xdpMeta += delta;
  st.xdpData = data;
  return remap(st) ? 0 : -EINVAL;
}

export function xdpAdjustMeta(st: VmState, delta: number): number {
  const meta = st.xdpMeta + delta;
  const metalen = st.xdpData - meta;
  if (meta < XDP_FRAME_SIZE || meta > st.xdpData) return -EINVAL;
  if ((metalen & 3) !== 0 || metalen > 32) return -EACCES;
  st.xdpMeta = meta;
  return remap(st) ? 0 : -EINVAL;
}

export function xdpAdjustTail(st: VmState, delta: number): number {
  const end = st.xdpEnd + delta;
  const max = st.xdpFrame!.length - SHINFO_SIZE;
  if (end > max || end < st.xdpData + ETH_HLEN) return -EINVAL;
  if (delta > 0) st.xdpFrame!.fill(0, st.xdpEnd, end);
  st.xdpEnd = end;
  return remap(st) ? 0 : -EINVAL;
}

/** data_out of test_run: the bytes from data to data_end. */
export const xdpPacketOut = (st: VmState): Uint8Array => st.xdpFrame!.slice(st.xdpData, st.xdpEnd);
