// Packing copies a block of B into K×16 panels laid out step by step, so the micro-kernel reads
// 16 consecutive floats per K step whatever B's layout. The transpose of B is absorbed here:
// no transposed copy of a whole matrix is ever made.

/// Packs columns `[col0, col0 + width)` of op(B) (width ≤ 16) into a zero-padded K×16 panel.
///
/// op(B)[p, j] is `b[p·ldb + j]`, or `b[j·ldb + p]` when `transB`.
@inline(__always)
func packPanelB(
    transB: Bool, k: Int, col0: Int, width: Int,
    b: UnsafePointer<Float>, ldb: Int, into panel: UnsafeMutablePointer<Float>
) {
    if transB {
        // op(B) column j is row j of the stored matrix: read each stored row once, contiguously.
        if width < gemmNR { panel.update(repeating: 0, count: k * gemmNR) }
        for jj in 0..<width {
            let source = b + (col0 + jj) * ldb
            var destination = panel + jj
            for p in 0..<k {
                destination.pointee = source[p]
                destination += gemmNR
            }
        }
    } else {
        for p in 0..<k {
            let source = b + p * ldb + col0
            let destination = panel + p * gemmNR
            for jj in 0..<width { destination[jj] = source[jj] }
            for jj in width..<gemmNR { destination[jj] = 0 }
        }
    }
}
