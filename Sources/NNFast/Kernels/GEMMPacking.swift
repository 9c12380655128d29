import CNNFastMath

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
        packTransposedPanelA(kc: kc, row0: row0, height: height, mr: mr, p0: p0, a: a, lda: lda, into: panel)
    } else {
        packRowMajorPanelA(kc: kc, row0: row0, height: height, mr: mr, p0: p0, a: a, lda: lda, into: panel)
    }
}

/// `packPanelA` for a transposed A (stored k×m): step p's MR values are contiguous in memory.
@inline(__always)
func packTransposedPanelA(
    kc: Int, row0: Int, height: Int, mr: Int, p0: Int,
    a: UnsafePointer<Float>, lda: Int, into panel: UnsafeMutablePointer<Float>
) {
    // A 4- and a 2-float copy per step for a whole 6-row panel, where one float at a time is 6
    // loads and 6 stores per step. This is the weight-gradient GEMM's A (Xᵀ), packed since the
    // k ≥ 128 threshold.
    if height == 6 && mr == 6 {
        for p in 0..<kc {
            let source = UnsafeRawPointer(a + (p0 + p) * lda + row0)
            let destination = UnsafeMutableRawPointer(panel + p * 6)
            destination.storeBytes(of: source.loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
            destination.storeBytes(of: source.loadUnaligned(fromByteOffset: 16, as: SIMD2<Float>.self),
                                   toByteOffset: 16, as: SIMD2<Float>.self)
        }
        return
    }
    for p in 0..<kc {
        let source = a + (p0 + p) * lda + row0
        let destination = panel + p * mr
        for r in 0..<height { destination[r] = source[r] }
        for r in height..<mr { destination[r] = 0 }
    }
}

/// `packPanelA` for a row-major A (stored m×k): each of the panel's rows is contiguous along K.
@inline(__always)
func packRowMajorPanelA(
    kc: Int, row0: Int, height: Int, mr: Int, p0: Int,
    a: UnsafePointer<Float>, lda: Int, into panel: UnsafeMutablePointer<Float>
) {
    let rows = a + row0 * lda + p0
    var firstScalarStep = 0
    if height == 6 && mr == 6 {
        // Whole panels (all but a ragged last one) by 6×8 interleaves (a C shim: 18 shuffles,
        // where one float at a time is a load and a strided 4-byte store per float). With
        // the row-wise B packing below, packing went from ~2.8 to ~1.1 ms of a ~26 ms 1024³
        // GEMM on one thread (Zen 3, temporary timers over 6 calls): 11% → 4%.
        firstScalarStep = kc / 8 * 8
        var p = 0
        while p < firstScalarStep {
            nnfast_interleave6x8(rows + p, lda, panel + p * 6)
            p += 8
        }
    } else if height < mr {
        panel.update(repeating: 0, count: kc * mr)
    }
    for r in 0..<height {
        let source = rows + r * lda
        var destination = panel + firstScalarStep * mr + r
        for p in firstScalarStep..<kc {
            destination.pointee = source[p]
            destination += mr
        }
    }
}

/// Packs K slice rows `[0, k)` of a row-major op(B) (`b` at the slice's first row) into the
/// NR-wide panels `panels`, one row of B at a time across all of them: reading B in order lets
/// the hardware prefetcher follow it, where packing one panel at a time read `k` lines from `k`
/// different pages (one per row of B, for rows of 1024 floats or more) per panel.
/// Panel q's step p goes to `panelStart(q) + p·nr`, zero past column `n`.
@inline(__always)
func packRowsB(k: Int, n: Int, nr: Int, panels: Range<Int>, b: UnsafePointer<Float>, ldb: Int,
               panelStart: (Int) -> UnsafeMutablePointer<Float>) {
    let fullPanels = panels.lowerBound..<max(panels.lowerBound, min(panels.upperBound, n / nr))
    for p in 0..<k {
        let source = UnsafeRawPointer(b + p * ldb)
        for panel in fullPanels {
            let destination = UnsafeMutableRawPointer(panelStart(panel) + p * nr)
            let panelBytes = nr * MemoryLayout<Float>.stride
            var byte = 0
            while byte < panelBytes {
                let eight = source.loadUnaligned(fromByteOffset: panel * panelBytes + byte, as: SIMD8<Float>.self)
                destination.storeBytes(of: eight, toByteOffset: byte, as: SIMD8<Float>.self)
                byte += 32
            }
        }
    }
    for panel in fullPanels.upperBound..<panels.upperBound {  // the ragged last panel
        packPanelB(transB: false, k: k, col0: panel * nr, width: min(nr, n - panel * nr), nr: nr, b: b, ldb: ldb,
                   into: panelStart(panel))
    }
}
