// Packing copies a block of B into K×NR panels laid out step by step, so the micro-kernel reads
// NR consecutive floats per K step whatever B's layout. The transpose of B is absorbed here:
// no transposed copy of a whole matrix is ever made.

/// Packs columns `[col0, col0 + width)` of op(B) (width ≤ `nr`) into a zero-padded K×`nr` panel.
///
/// op(B)[p, j] is `b[p·ldb + j]`, or `b[j·ldb + p]` when `transB`.
@inline(__always)
func packPanelB(
    transB: Bool, k: Int, col0: Int, width: Int, nr: Int,
    b: UnsafePointer<Float>, ldb: Int, into panel: UnsafeMutablePointer<Float>
) {
    if transB {
        // op(B) column j is row j of the stored matrix: a transpose (`TransposedPanelPacking`).
        packTransposedPanel(k: k, width: width, nr: nr, rows: b + col0 * ldb, ldb: ldb, into: panel)
    } else {
        for p in 0..<k {
            let source = b + p * ldb + col0
            let destination = panel + p * nr
            for jj in 0..<width { destination[jj] = source[jj] }
            for jj in width..<nr { destination[jj] = 0 }
        }
    }
}

/// Packs rows `[row0, row0 + height)` (height ≤ `mr`) and steps `[p0, p0 + kc)` of op(A) into an
/// MR-interleaved panel: step p holds the MR row values at `panel + p·MR`, zero past `height`,
/// so the micro-kernel reads A contiguously (row stride 1, K stride MR).
///
/// op(A)[i, p] is `a[i·lda + p]`, or `a[p·lda + i]` when `transA`.
@inline(__always)
func packPanelA(
    transA: Bool, kc: Int, row0: Int, height: Int, mr: Int, p0: Int,
    a: UnsafePointer<Float>, lda: Int, into panel: UnsafeMutablePointer<Float>
) {
    if transA {
        for p in 0..<kc {
            let source = a + (p0 + p) * lda + row0
            let destination = panel + p * mr
            for r in 0..<height { destination[r] = source[r] }
            for r in height..<mr { destination[r] = 0 }
        }
    } else {
        if height < mr { panel.update(repeating: 0, count: kc * mr) }
        for r in 0..<height {
            let source = a + (row0 + r) * lda + p0
            var destination = panel + r
            for p in 0..<kc {
                destination.pointee = source[p]
                destination += mr
            }
        }
    }
}

/// Packs the panels `panels` of Wᵀ as GEMM's transposed-B panels would be: W is stored with
/// `n` rows and `k` columns, so op(B) = Wᵀ is `k × n`; panel q holds rows
/// [q·NR, q·NR + NR) of W. Used to pack a layer's Wᵀ once per weight update instead of on every
/// backward GEMM.
func packTransposedPanels(
    _ w: UnsafePointer<Float>, rows n: Int, cols k: Int, ldw: Int, panels: Range<Int>,
    into buffer: UnsafeMutablePointer<Float>
) {
    for panel in panels {
        let col0 = panel * gemmNR
        packPanelB(transB: true, k: k, col0: col0, width: min(gemmNR, n - col0), nr: gemmNR, b: w, ldb: ldw,
                   into: buffer + panel * k * gemmNR)
    }
}
