/// The AVX2 tile: 6 rows × 16 columns, 12 ymm accumulators (two SIMD8 per row), two B vectors
/// and one broadcast: 15 of the 16 registers. Two details keep LLVM from spilling, and a spilled
/// accumulator's store-to-load chain halves the kernel's speed (AVX2 build on the AVX-512 Zen 4
/// kind, `nnfast bench --quick --filter gemm`: 58-61 GFLOP/s spilled, 122-125 not; why AVX2
/// builds used a 4×16 tile before this one): the values are SIMD8, one ymm each, and the K offset
/// advances with an unchecked add (`_GEMMSixRowTile.rowSums`) — with a checked one the overflow
/// branch splits the loop body and the scheduler then hoists all six broadcasts ahead of the
/// FMAs (12 + 6 + 2 > 16 registers). `tools/check_kernel_registers.py` checks the FMA loops of a
/// build for spills.
enum GEMMTile6x16: _GEMMSixRowTile {
    typealias Segment = SIMD8<Float>

    static var mr: Int { 6 }
    static var nr: Int { 16 }
    /// Read in place, a transposed A gives each tile a new line, often on a new page, every K
    /// step: 6 cycles here, 12 on the 6×32 tile, which hides them (it loses by packing). Packed,
    /// the row panel's k×6 floats stay in L1 for all its tiles. The batch-256 first-layer update,
    /// 784×256ᵀ·256×N, packed against in place (AVX2 build on Zen 4, family 25 model 17, one
    /// thread, median of 5-7 alternating rounds): N = 64 (4 panels) 0.98×, 80 (5) 1.01×,
    /// 100 (7) 1.05-1.08×, 128 (8) 1.00×, 200 (13) 1.15×.
    static var rowWalkPacksAFromPanels: Int { 5 }

    @inline(__always)
    static func multiply(
        k: Int,
        a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
        column: Int, epilogue: GEMMEpilogue
    ) {
        let (r0, r1, r2, r3, r4, r5) = rowSums(
            k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows, cols: cols)
        if cols == nr && epilogue.isLinear {
            storeLinearTile(r0, r1, r2, r3, r4, r5, into: c, ldc: ldc, rows: rows, epilogue: epilogue)
            return
        }
        @inline(__always) func store(_ sums: (SIMD8<Float>, SIMD8<Float>), row: Int) {
            guard row < rows else { return }
            storeTileSegment(SIMD16(lowHalf: sums.0, highHalf: sums.1), c + row * ldc, cols: cols, column: column,
                             epilogue: epilogue)
        }
        store(r0, row: 0); store(r1, row: 1); store(r2, row: 2)
        store(r3, row: 3); store(r4, row: 4); store(r5, row: 5)
    }

    // The edges (`_GEMMTileEdges`), out of line and on this tile's concrete vectors, so their
    // sums come back in registers.

    @inline(never)
    static func halfWidthSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        _GEMMTileEdges.halfWidthSums(
            k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
    }

    /// The half-width loop: an xmm FMA costs what a ymm one does on the AVX2 machines.
    @inline(never)
    static func quarterWidthSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        halfWidthSums(k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
    }

    /// Never: on ymm vectors the four-row loop's 8 chains already take the 4 cycles a step that
    /// two rows' 4 chains would wait on their latency, and with the two-row loop called beside
    /// the others, the full tile's loop spilled (`tools/check_kernel_registers.py`).
    static var twoRowEdgePays: Bool { false }

    @inline(never)
    static func fourRowSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        _GEMMTileEdges.fourRowSums(
            k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
    }
}
