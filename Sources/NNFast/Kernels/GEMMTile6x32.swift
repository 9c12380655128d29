/// The AVX-512 tile: 6 rows × 32 columns, 12 zmm accumulators (two SIMD16 per row) of the 32
/// registers, two B vectors and six broadcasts per 12 FMAs. Measured with operands hot in L1
/// on the family-26 AVX-512 machine, whose FMA units are 512 bits wide (peak 262 GFLOP/s per
/// core): 243 GFLOP/s on one core, against 177 for 6×16 on zmm. Zen 4 (family 25 model 17)
/// runs a zmm FMA as two 256-bit halves: its peak is 117 GFLOP/s per core here.
///
/// Its edges (at most 16 columns, or at most 4 rows) run `_GEMMTileEdges`' loops on SIMD16, as
/// the AVX2 tile's do on SIMD8: the 10-wide output layer and the last panel of a 100- or 200-wide
/// one are half a tile here, and a batch of 32 split over two threads leaves each a 4-row panel.
///
/// On a 16-register AVX2 target it still computes the same bits, but its 24 ymm accumulators
/// spill: such builds select `GEMMTile6x16`.
enum GEMMTile6x32: _GEMMSixRowTile {
    typealias Segment = SIMD16<Float>

    static var mr: Int { 6 }
    static var nr: Int { 32 }
    /// Never: this tile's K step takes 12 cycles, long enough to hide a transposed A's strided
    /// reads, and packing A only added its copy. The batch-256 first-layer update, 784×256ᵀ·256×N,
    /// packed against in place (Zen 4, family 25 model 17, one thread, median of 5-7 alternating
    /// rounds): N = 64 (2 panels) 0.88×, 100 (4) 0.95×, 200 (7) 0.98×.
    static var rowWalkPacksAFromPanels: Int { .max }

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
        @inline(__always) func store(_ sums: (SIMD16<Float>, SIMD16<Float>), row: Int) {
            guard row < rows else { return }
            let target = c + row * ldc
            storeTileSegment(sums.0, target, cols: min(cols, 16), column: column, epilogue: epilogue)
            if cols > 16 {
                storeTileSegment(sums.1, target + 16, cols: cols - 16, column: column + 16, epilogue: epilogue)
            }
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
    ) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        _GEMMTileEdges.halfWidthSums(
            k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
    }

    /// The first 8 columns on ymm vectors: Zen 4 splits a zmm FMA into two 256-bit halves, so
    /// six ymm chains should take 4 cycles a K step (their latency), six zmm ones 6 (two FMA
    /// pipes). The 100-wide layer's last panel has 4 columns, the 200-wide one's 8. Counting
    /// cycles, the 100-wide layer's GEMMs would gain ~5%; measured, they gain about 1% (its four
    /// batch-32 and -256 GEMMs, one thread, medians 1.007-1.015× over 7 alternating rounds, each
    /// round 0.998-1.040×; Zen 4 family 25 model 17, `nnfast bench --json --quick --threads 1
    /// --batches 32,256 --filter L1` with each binary in turn), the same bits.
    @inline(never)
    static func quarterWidthSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        let (c0, c1, c2, c3, c4, c5) = _GEMMTileEdges<SIMD8<Float>>.halfWidthSums(
            k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
        return (SIMD16(lowHalf: c0, highHalf: .zero), SIMD16(lowHalf: c1, highHalf: .zero),
                SIMD16(lowHalf: c2, highHalf: .zero), SIMD16(lowHalf: c3, highHalf: .zero),
                SIMD16(lowHalf: c4, highHalf: .zero), SIMD16(lowHalf: c5, highHalf: .zero))
    }

    /// Four zmm chains take 4 cycles a step, one zmm FMA a cycle each waiting on its latency,
    /// against the four-row loop's 8.
    static var twoRowEdgePays: Bool { true }

    @inline(never)
    static func twoRowSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        _GEMMTileEdges.twoRowSums(
            k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
    }

    @inline(never)
    static func fourRowSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        _GEMMTileEdges.fourRowSums(
            k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
    }
}
