/// The AVX2 tile: 6 rows × 16 columns, 12 ymm accumulators (two SIMD8 per row), two B vectors
/// and one broadcast: 15 of the 16 registers. Two details keep LLVM from spilling, and a spilled
/// accumulator's store-to-load chain halves the kernel's speed (AVX2 build on the AVX-512 Zen 4
/// kind, `nnfast bench --quick --filter gemm`: 58-61 GFLOP/s spilled, 122-125 not; why AVX2
/// builds used a 4×16 tile before this one): the values are SIMD8, one ymm each, and the K offset advances
/// with an unchecked add — with a checked one the overflow branch splits the loop body and the
/// scheduler then hoists all six broadcasts ahead of the FMAs (12 + 6 + 2 > 16 registers).
/// `tools/check_kernel_registers.py` checks the FMA loops of a build for spills.
enum GEMMTile6x16: GEMMTile {
    static var mr: Int { 6 }
    static var nr: Int { 16 }

    @inline(__always)
    static func multiply(
        k: Int,
        a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
        column: Int, epilogue: GEMMEpilogue
    ) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>(), c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        if cols <= 8 {
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
                let b0 = bRow.loadUnaligned(as: SIMD8<Float>.self)
                let b1 = bRow.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                var s = a0[offset]; c00.addProduct(s, b0); c01.addProduct(s, b1)
                s = a1[offset]; c10.addProduct(s, b0); c11.addProduct(s, b1)
                s = a2[offset]; c20.addProduct(s, b0); c21.addProduct(s, b1)
                s = a3[offset]; c30.addProduct(s, b0); c31.addProduct(s, b1)
                s = a4[offset]; c40.addProduct(s, b0); c41.addProduct(s, b1)
                s = a5[offset]; c50.addProduct(s, b0); c51.addProduct(s, b1)
                offset &+= aKStride  // unchecked: see above
                bRow += bKStride &* MemoryLayout<Float>.stride
            }
        }
        if cols == nr && epilogue.isLinear {
            storeLinearTile((c00, c01), (c10, c11), (c20, c21), (c30, c31), (c40, c41), (c50, c51),
                            into: c, ldc: ldc, rows: rows, epilogue: epilogue)
            return
        }
        @inline(__always) func store(_ low: SIMD8<Float>, _ high: SIMD8<Float>, row: Int) {
            guard row < rows else { return }
            storeTileSegment(SIMD16(lowHalf: low, highHalf: high), c + row * ldc, cols: cols, column: column,
                             epilogue: epilogue)
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
    ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        _GEMMTileEdges.halfWidthSums(
            k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
    }

    @inline(never)
    static func fourRowSums(
        k: Int, a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int, rows: Int
    ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        _GEMMTileEdges.fourRowSums(
            k: k, a: a, aRowStride: aRowStride, aKStride: aKStride, b: b, bKStride: bKStride, rows: rows)
    }
}
