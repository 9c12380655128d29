// The register-blocked heart of GEMM: one MR×NR tile of C, its accumulators held in SIMD
// registers for the whole K loop. This is the only machine-shaped code in the GEMM; packing and
// the blocking loops around it are generic in MR and NR (the BLIS split).
//
// Tile shapes, measured with operands hot in L1 (Zen 4):
// - AVX-512 (NNFAST_WIDE_TILE): 6×32 — 12 zmm accumulators of the 32 registers, two B vectors
//   and six broadcasts per 12 FMAs: 243 GFLOP/s on one core, against 177 for 6×16.
// - AVX2: 4×16 — a SIMD16 is two ymm registers, and 6×16 (12 of the 16 ymm registers as
//   accumulators) made LLVM spill one to the stack: a store-forward chain that halved speed.

#if NNFAST_WIDE_TILE
/// Tile height (rows of C per micro-kernel call).
let gemmMR = 6
/// Tile width (columns of C per micro-kernel call): two SIMD16.
let gemmNR = 32
#else
let gemmMR = 4
let gemmNR = 16
#endif

/// Accumulates `op(A)[rows × k] · Bpanel[k × NR]` and stores the epilogue of it into C.
///
/// - `a` points at the tile's first A element; row `r`, step `p` is at `a + r·aRowStride + p·aKStride`.
/// - `b` points at a K×NR panel; step `p` is the NR floats at `b + p·bKStride`.
/// - Only `rows ≤ MR` rows and `cols ≤ NR` columns of C are read or written. Rows past `rows`
///   re-read row 0 of A (always in bounds) and their results are dropped.
@inline(__always)
func gemmMicroKernel(
    k: Int,
    a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
    b: UnsafePointer<Float>, bKStride: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
    column: Int, epilogue: GEMMEpilogue
) {
    let a0 = a
    let a1 = rows > 1 ? a + aRowStride : a
    let a2 = rows > 2 ? a + 2 * aRowStride : a
    let a3 = rows > 3 ? a + 3 * aRowStride : a
    var offset = 0
    var bRow = UnsafeRawPointer(b)
    let bStep = bKStride * MemoryLayout<Float>.stride
#if NNFAST_WIDE_TILE
    let a4 = rows > 4 ? a + 4 * aRowStride : a
    let a5 = rows > 5 ? a + 5 * aRowStride : a
    var c00 = SIMD16<Float>(), c01 = SIMD16<Float>(), c10 = SIMD16<Float>(), c11 = SIMD16<Float>()
    var c20 = SIMD16<Float>(), c21 = SIMD16<Float>(), c30 = SIMD16<Float>(), c31 = SIMD16<Float>()
    var c40 = SIMD16<Float>(), c41 = SIMD16<Float>(), c50 = SIMD16<Float>(), c51 = SIMD16<Float>()
    for _ in 0..<k {
        let b0 = bRow.loadUnaligned(as: SIMD16<Float>.self)
        let b1 = bRow.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
        var s = a0[offset]; c00.addProduct(s, b0); c01.addProduct(s, b1)
        s = a1[offset]; c10.addProduct(s, b0); c11.addProduct(s, b1)
        s = a2[offset]; c20.addProduct(s, b0); c21.addProduct(s, b1)
        s = a3[offset]; c30.addProduct(s, b0); c31.addProduct(s, b1)
        s = a4[offset]; c40.addProduct(s, b0); c41.addProduct(s, b1)
        s = a5[offset]; c50.addProduct(s, b0); c51.addProduct(s, b1)
        offset += aKStride
        bRow += bStep
    }
    @inline(__always) func store(_ low: SIMD16<Float>, _ high: SIMD16<Float>, row: Int) {
        guard row < rows else { return }
        let target = c + row * ldc
        storeSegment(low, target, cols: min(cols, 16), column: column, epilogue: epilogue)
        if cols > 16 {
            storeSegment(high, target + 16, cols: cols - 16, column: column + 16, epilogue: epilogue)
        }
    }
    store(c00, c01, row: 0); store(c10, c11, row: 1); store(c20, c21, row: 2)
    store(c30, c31, row: 3); store(c40, c41, row: 4); store(c50, c51, row: 5)
#else
    var c0 = SIMD16<Float>(), c1 = SIMD16<Float>(), c2 = SIMD16<Float>(), c3 = SIMD16<Float>()
    for _ in 0..<k {
        let bv = bRow.loadUnaligned(as: SIMD16<Float>.self)
        c0.addProduct(a0[offset], bv)
        c1.addProduct(a1[offset], bv)
        c2.addProduct(a2[offset], bv)
        c3.addProduct(a3[offset], bv)
        offset += aKStride
        bRow += bStep
    }
    @inline(__always) func store(_ acc: SIMD16<Float>, row: Int) {
        guard row < rows else { return }
        storeSegment(acc, c + row * ldc, cols: cols, column: column, epilogue: epilogue)
    }
    store(c0, row: 0); store(c1, row: 1); store(c2, row: 2); store(c3, row: 3)
#endif
}

/// Writes one 16-wide accumulator segment into C through the epilogue, touching only `cols`.
@inline(__always)
private func storeSegment(
    _ acc: SIMD16<Float>, _ target: UnsafeMutablePointer<Float>, cols: Int, column: Int, epilogue: GEMMEpilogue
) {
    if cols == 16 {
        let raw = UnsafeMutableRawPointer(target)
        let value = epilogue.apply(
            acc, column: column,
            existing: { raw.loadUnaligned(as: SIMD16<Float>.self) },
            biasVector: { UnsafeRawPointer(epilogue.bias! + column).loadUnaligned(as: SIMD16<Float>.self) })
        raw.storeBytes(of: value, as: SIMD16<Float>.self)
    } else {
        let value = epilogue.apply(
            acc, column: column,
            existing: {
                var v = SIMD16<Float>()
                for j in 0..<cols { v[j] = target[j] }
                return v
            },
            biasVector: {
                var v = SIMD16<Float>()
                for j in 0..<cols { v[j] = epilogue.bias![column + j] }
                return v
            })
        for j in 0..<cols { target[j] = value[j] }
    }
}
