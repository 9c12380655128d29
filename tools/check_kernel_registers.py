#!/usr/bin/env python3
"""Checks that the hot FMA loops of a release build keep their vectors in registers.

A spilled accumulator turns each FMA into load → FMA → store through the stack, and the
store-to-load chain halves a kernel's speed without any test noticing. This disassembles the
binary (objdump), finds every loop (a backward branch) made mostly of vector FMAs in the
functions that hold the GEMM micro-kernels and the peak probe (innermost loops only: the K
loops), and counts the vector instructions in it that touch the stack (%rsp or %rbp). Any such access fails the check.

It also fails on a kernel that calls a SIMD helper out of line (a call whose target passes or
returns vectors: the standard library's `loadUnaligned`, `pointwiseMin`, a closure over SIMD16):
LLVM decides those per caller, and its choice moved with unrelated edits elsewhere in the
module (once the GEMM tile's bias load, with the accumulators spilled around the call).

    python3 tools/check_kernel_registers.py [.build/release/nnfast]
    NNFAST_TARGET_CPU=haswell swift build -c release --scratch-path .build-haswell
    python3 tools/check_kernel_registers.py .build-haswell/release/nnfast

Prints one line per loop (function, FMAs, stack accesses) and per out-of-line SIMD call, and
exits 1 on either, 2 when one of KERNELS has no loop in the binary (a renamed function: update
KERNELS).
"""
import re
import subprocess
import sys

# Mangled-name fragments of the functions that contain the kernels' loops. The micro-kernel
# (`GEMMTile….multiply`) is inlined into a plan or called out of line, as the optimizer decides
# (it moves with unrelated changes around the call), so a plan's loop may be in either.
TILE_MULTIPLY = "8multiply1k1a10aRowStride8aKStride"
KERNELS = {
    "fmaProbe": ("8fmaProbe",),
    "GEMM panel plan": ("14_GEMMPanelPlanV", TILE_MULTIPLY),
    "GEMM packed plan": ("15_GEMMPackedPlanV", TILE_MULTIPLY),
    "GEMM tile edges": ("13halfWidthSums", "16quarterWidthSums", "11fourRowSums", "10twoRowSums"),
    "GEMM column edge": ("19columnEdgeAlongRows", "15_GEMMColumnEdgeO"),
}
# Functions that must make no out-of-line SIMD call: the GEMM plans and tiles, and the
# elementwise kernels of the training step (where the function is not inlined into its caller).
CALL_FREE = ("14_GEMMPanelPlanV", "15_GEMMPackedPlanV", TILE_MULTIPLY, "13halfWidthSums", "16quarterWidthSums",
             "11fourRowSums", "10twoRowSums", "19columnEdgeAlongRows", "15_GEMMColumnEdgeO",
             "18activationBackward_", "10columnSums_", "19multiplyElementwise_", "13convertPixels_",
             "25softmaxCrossEntropyKernel")
# A call target that passes or returns vectors.
SIMD_CALL = re.compile(r"SIMD(2|4|8|16|32|64)V")
# The calls the tile makes on purpose: its edge loops and its per-row store (the general epilogue),
# kept out of line so they do not take the full tile's registers; and the column edge's row
# blocks, once per edge (LLVM may outline them: they pass vector types, not vectors), and its
# six-column loop, out of line because inlined beside the four-column one it spilled.
DELIBERATE_CALLS = ("13halfWidthSums", "16quarterWidthSums", "11fourRowSums", "10twoRowSums", "storeL_", "15_GEMMColumnEdgeO9rowBlocks",
                    "15_GEMMColumnEdgeO10sixColumns")
MIN_FMAS = 8
# A K loop is mostly FMAs (12 of 24 instructions for the 6×16 tile; 24 of 81 in its half-width
# edge loop, unrolled 4× with row pointers reloaded); loops below this share also run an epilogue (activation polynomials, ragged edges through the stack) and are not checked.
MIN_FMA_SHARE = 0.25
FUNCTION = re.compile(r"^([0-9a-f]+) <(.+)>:$")
INSTRUCTION = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")
BRANCH_TARGET = re.compile(r"^([0-9a-f]+) <")


def functions(disassembly):
    """Yields (name, [(address, mnemonic, operands)]) for every function."""
    name, body = None, []
    for line in disassembly.splitlines():
        header = FUNCTION.match(line)
        if header:
            if name:
                yield name, body
            name, body = header.group(2), []
            continue
        instruction = INSTRUCTION.match(line)
        if name and instruction:
            body.append((int(instruction.group(1), 16), instruction.group(2), instruction.group(3)))
    if name:
        yield name, body


def innermost_loops(body):
    """Every [target, branch] range closed by a backward jump and holding no other such range:
    the K loops. (Outer loops also hold the epilogue, whose ragged edges go through the stack
    on purpose.)"""
    ranges = []
    for index, (address, mnemonic, operands) in enumerate(body):
        target = BRANCH_TARGET.match(operands) if mnemonic.startswith("j") else None
        if target and int(target.group(1), 16) < address:
            ranges.append((int(target.group(1), 16), address, index))
    for start, end, index in ranges:
        if any(start <= s and e <= end and (s, e) != (start, end) for s, e, _ in ranges):
            continue
        yield [insn for insn in body[:index + 1] if insn[0] >= start]


def is_vector_stack_access(mnemonic, operands):
    return re.search(r"%[xyz]mm", operands) and re.search(r"\(%r[sb]p", operands) and mnemonic.startswith("v")


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/nnfast"
    disassembly = subprocess.run(["objdump", "-d", "--no-show-raw-insn", binary], check=True,
                                 capture_output=True, text=True).stdout
    found, spills = 0, 0
    kernels_with_loops = set()
    for name, body in functions(disassembly):
        kernels = [label for label, fragments in KERNELS.items() if any(f in name for f in fragments)]
        if not kernels:
            continue
        kernel = "GEMM micro-kernel (out of line)" if TILE_MULTIPLY in name else kernels[0]
        tile = re.search(r"GEMMTile(\d+x\d+)", name)
        label = kernel + (f" ({tile.group(1)})" if tile else "")
        seen = set()
        for loop in innermost_loops(body):
            fmas = sum(1 for _, mnemonic, _ in loop if mnemonic.startswith("vfmadd"))
            if fmas < MIN_FMAS or fmas < MIN_FMA_SHARE * len(loop) or loop[0][0] in seen:
                continue
            seen.add(loop[0][0])
            stack = sum(1 for _, mnemonic, operands in loop if is_vector_stack_access(mnemonic, operands))
            found += 1
            kernels_with_loops.update(kernels)
            spills += stack
            print(f"{label:32} loop at {loop[0][0]:#x}: {fmas:3} FMAs, {len(loop):4} instructions, "
                  f"{stack} vector stack accesses{'  ← SPILL' if stack else ''}")
    expected = set(KERNELS)
    calls = 0
    for name, body in functions(disassembly):
        if not any(fragment in name for fragment in CALL_FREE) or "FZ5storeL_" in name:
            continue
        for address, mnemonic, operands in body:
            if mnemonic.startswith("call") and SIMD_CALL.search(operands) \
                    and not any(fragment in operands for fragment in DELIBERATE_CALLS):
                calls += 1
                print(f"{name[:60]}… at {address:#x} calls {operands[:90]}…  ← OUT-OF-LINE SIMD CALL")
    missing = [kernel for kernel in KERNELS if kernel in expected and kernel not in kernels_with_loops]
    if missing:
        print(f"no loop found for {', '.join(missing)} in {binary}: were the functions renamed? "
              "(KERNELS in this script)")
        return 2
    print(f"{found} kernel loops, {spills} vector stack accesses in them; {calls} out-of-line SIMD calls")
    return 1 if spills or calls else 0


if __name__ == "__main__":
    sys.exit(main())
