import CNNFastMath

// Packing a transposed B — op(B)[p, j] = b[j·ldb + p], as dZᵀ in dXᵀ = W·dZᵀ — is a transpose:
// step p of a panel holds element p of NR stored rows. One float at a time it costs a load and a
// 4-byte store per float; when the training step still repacked every layer's Wᵀ after each
// update, that scalar loop took ~0.86 ms of a ~15 ms 784-1200-1200-10 step on Zen 3 (batch 128,
// 2 threads). Here the panel is filled by 8×8 block transposes (`nnfast_transpose8x8`, a C shim:
// clang keeps its 24 shuffles as written). Repacking Wᵀ that way, Zen 3, alternated 3 times:
// 197-200 µs one float at a time, 61-73 µs with the same transpose in Swift SIMD8 initializers
// (LLVM re-combined them into ~70 shuffles and spills), 45-51 µs with the shim.
// The bytes written are the same.

/// Packs stored rows `[0, width)` of `rows` (each `ldb` apart; `width` ≤ `nr`) into a
/// zero-padded K×`nr` panel: `panel[p·nr + j] = rows[j·ldb + p]` for p < `k`.
@inline(__always)
func packTransposedPanel(k: Int, width: Int, nr: Int, rows: UnsafePointer<Float>, ldb: Int,
                         into panel: UnsafeMutablePointer<Float>) {
    if width < nr { panel.update(repeating: 0, count: k * nr) }
    let fullGroups = width / 8
    let blockedSteps = k / 8 * 8
    for group in 0..<fullGroups {
        let source = rows + group * 8 * ldb
        let destination = panel + group * 8
        var p = 0
        while p < blockedSteps {
            nnfast_transpose8x8(source + p, ldb, destination + p * nr, nr)
            p += 8
        }
    }
    // The steps past the last whole block, and the stored rows past the last whole group.
    for j in 0..<width {
        let source = rows + j * ldb
        let firstStep = j < fullGroups * 8 ? blockedSteps : 0
        for p in firstStep..<k { panel[p * nr + j] = source[p] }
    }
}
