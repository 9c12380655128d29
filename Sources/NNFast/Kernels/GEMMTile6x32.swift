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
enum GEMMTile6x32: GEMMTile {
    static var mr: Int { 6 }
    static var nr: Int { 32 }

    @inline(__always)
    static func multiply(
        k: Int,
        a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
        column: Int, epilogue: GEMMEpilogue
    ) {
        var c00 = SIMD16<Float>(), c01 = SIMD16<Float>(), c10 = SIMD16<Float>(), c11 = SIMD16<Float>()
        var c20 = SIMD16<Float>(), c21 = SIMD16<Float>(), c30 = SIMD16<Float>(), c31 = SIMD16<Float>()
        var c40 = SIMD16<Float>(), c41 = SIMD16<Float>(), c50 = SIMD16<Float>(), c51 = SIMD16<Float>()
        if cols <= 16 {
            (c00, c10, c20, c30, c40, c50) = halfWidthSums(
                k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
        } else if rows <= 4 {
            (c00, c01, c10, c11, c20, c21, c30, c31) = fourRowSums(
                k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
        } else {
            let (a0, a1, a2, a3, a4, a5) = sixRowPointers(a, rows: rows, stride: aRowStride)
            var offset = 0
            var bRow = UnsafeRawPointer(b)
            for _ in 0..<k {
                let b0 = bRow.loadUnaligned(as: SIMD16<Float>.self)
                let b1 = bRow.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                var s = a0[offset]; c00.addProduct(s, b0); c01.addProduct(s, b1)
                s = a1[offset]; c10.addProduct(s, b0); c11.addProduct(s, b1)
                s = a2[offset]; c20.addProduct(s, b0); c21.addProduct(s, b1)
                s = a3[offset]; c30.addProduct(s, b0); c31.addProduct(s, b1)
                s = a4[offset]; c40.addProduct(s, b0); c41.addProduct(s, b1)
                s = a5[offset]; c50.addProduct(s, b0); c51.addProduct(s, b1)
                offset &+= aKStride
                bRow += bKStride &* MemoryLayout<Float>.stride
            }
        }
        if cols == nr && epilogue.isLinear {
            storeLinearTile((c00, c01), (c10, c11), (c20, c21), (c30, c31), (c40, c41), (c50, c51),
                            into: c, ldc: ldc, rows: rows, epilogue: epilogue)
            return
        }
        @inline(__always) func store(_ low: SIMD16<Float>, _ high: SIMD16<Float>, row: Int) {
            guard row < rows else { return }
            let target = c + row * ldc
            storeTileSegment(low, target, cols: min(cols, 16), column: column, epilogue: epilogue)
            if cols > 16 {
                storeTileSegment(high, target + 16, cols: cols - 16, column: column + 16, epilogue: epilogue)
            }
        }
        store(c00, c01, row: 0); store(c10, c11, row: 1); store(c20, c21, row: 2)
        store(c30, c31, row: 3); store(c40, c41, row: 4); store(c50, c51, row: 5)
    }

    // The edges (`_GEMMTileEdges`), out of line and on concrete vectors, so their sums come back
    // in registers.

    @inline(never)
    static func halfWidthSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        _GEMMTileEdges.halfWidthSums(
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
