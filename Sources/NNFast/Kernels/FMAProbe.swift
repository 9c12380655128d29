// The machine's FMA throughput, measured: 12 independent multiply-add chains in registers, no
// memory traffic. Twelve chains cover latency × pipes on current x86 cores (4 cycles × 2 FMA
// pipes = 8 in flight), and the vector is the widest register of the build, so the chains, x and
// y take 14 registers: within AVX2's 16 ymm and AVX-512's 32 zmm, never spilled (an earlier
// probe kept 12 SIMD16 chains, 24 ymm on AVX2, spilled them and reported half the peak).
// `tools/check_kernel_registers.py` checks that its loop touches no stack.

#if NNFAST_AVX512
/// One zmm register.
typealias _ProbeVector = SIMD16<Float>
#else
/// One ymm register (two q registers on NEON, which has 32).
typealias _ProbeVector = SIMD8<Float>
#endif

/// Runs `iterations` steps of 12 FMA chains; returns a value that depends on all of them (so the
/// work cannot be optimized away). FLOPs = iterations × `fmaProbeFLOPsPerIteration`.
@inline(never)
func fmaProbe(iterations: Int, seed: Float) -> Float {
    let x = _ProbeVector(repeating: 0.999_999)
    let y = _ProbeVector(repeating: 1e-7)
    var a0 = _ProbeVector(repeating: seed), a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3
    var a4 = a0 + 4, a5 = a0 + 5, a6 = a0 + 6, a7 = a0 + 7
    var a8 = a0 + 8, a9 = a0 + 9, a10 = a0 + 10, a11 = a0 + 11
    for _ in 0..<iterations {
        // a ← y + a·x: one FMA each, a contraction, so the values stay finite.
        a0 = y.addingProduct(a0, x); a1 = y.addingProduct(a1, x); a2 = y.addingProduct(a2, x)
        a3 = y.addingProduct(a3, x); a4 = y.addingProduct(a4, x); a5 = y.addingProduct(a5, x)
        a6 = y.addingProduct(a6, x); a7 = y.addingProduct(a7, x); a8 = y.addingProduct(a8, x)
        a9 = y.addingProduct(a9, x); a10 = y.addingProduct(a10, x); a11 = y.addingProduct(a11, x)
    }
    let sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11
    return sum.sum()
}

/// FLOPs done by one `fmaProbe` iteration.
let fmaProbeFLOPsPerIteration = 12 * _ProbeVector.scalarCount * 2

/// The probe's vector width in floats (reported beside the peak).
let fmaProbeVectorWidth = _ProbeVector.scalarCount
