// hello.s: look up key 0 in an array map and return its first byte (0 when absent).
// Assemble: verifuzz asm examples/hello.s    Disassemble: verifuzz disasm examples/hello.s
.prog socket_filter
.map 0 array key=4 value=8 entries=1

	*(u32 *)(r10 -4) = 0          // key = 0 on the stack
	r2 = r10
	r2 += -4
	r1 = map[0] ll                // ld_imm64 src_reg=5: map 0 of this program
	call bpf_map_lookup_elem
	if r0 == 0x0 goto out
	r0 = *(u8 *)(r0 +0)
	exit
out:
	r0 = 0
	exit
