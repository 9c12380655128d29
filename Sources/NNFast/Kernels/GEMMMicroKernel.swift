// The register-blocked heart of GEMM: one MR×16 tile of C, its accumulators held in SIMD
// registers for the whole K loop. This is the only machine-shaped code in the GEMM; packing and
// the blocking loops around it are generic (the BLIS split).
//
// With `-target-cpu haswell` a SIMD16<Float> is two ymm registers. A 6×16 tile keeps 12 ymm
// accumulators + 2 for the B row + 1 broadcast in the 16 ymm registers (the BLIS Haswell
// shape); 12 independent FMA chains cover Zen 4's 4-cycle latency × 2 FMA pipes.

/// Tile height (rows of C per micro-kernel call).
let gemmMR = 6
/// Tile width (columns of C per micro-kernel call): one SIMD16.
let gemmNR = 16

/// Accumulates `op(A)[rows × k] · Bpanel[k × 16]` and stores the epilogue of it into C.
///
/// - `a` points at the tile's first A element; row `r`, step `p` is at `a + r·aRowStride + p·aKStride`.
/// - `b` points at a K×16 panel; step `p` is the 16 floats at `b + p·bKStride`.
/// - Only `rows ≤ 6` rows and `cols ≤ 16` columns of C are read or written. Rows past `rows`
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
    let a4 = rows > 4 ? a + 4 * aRowStride : a
    let a5 = rows > 5 ? a + 5 * aRowStride : a
    var c0 = SIMD16<Float>(), c1 = SIMD16<Float>(), c2 = SIMD16<Float>()
    var c3 = SIMD16<Float>(), c4 = SIMD16<Float>(), c5 = SIMD16<Float>()
    var offset = 0
    var bRow = UnsafeRawPointer(b)
    let bStep = bKStride * MemoryLayout<Float>.stride
    for _ in 0..<k {
        let bv = bRow.loadUnaligned(as: SIMD16<Float>.self)
        c0.addProduct(a0[offset], bv)
        c1.addProduct(a1[offset], bv)
        c2.addProduct(a2[offset], bv)
        c3.addProduct(a3[offset], bv)
        c4.addProduct(a4[offset], bv)
        c5.addProduct(a5[offset], bv)
        offset += aKStride
        bRow += bStep
    }
    storeRow(c0, row: 0, c: c, ldc: ldc, rows: rows, cols: cols, column: column, epilogue: epilogue)
    storeRow(c1, row: 1, c: c, ldc: ldc, rows: rows, cols: cols, column: column, epilogue: epilogue)
    storeRow(c2, row: 2, c: c, ldc: ldc, rows: rows, cols: cols, column: column, epilogue: epilogue)
    storeRow(c3, row: 3, c: c, ldc: ldc, rows: rows, cols: cols, column: column, epilogue: epilogue)
    storeRow(c4, row: 4, c: c, ldc: ldc, rows: rows, cols: cols, column: column, epilogue: epilogue)
    storeRow(c5, row: 5, c: c, ldc: ldc, rows: rows, cols: cols, column: column, epilogue: epilogue)
}

/// Writes one accumulator row of the tile through the epilogue, touching only `cols` columns.
@inline(__always)
private func storeRow(
    _ acc: SIMD16<Float>, row: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
    rows: Int, cols: Int, column: Int, epilogue: GEMMEpilogue
) {
    guard row < rows else { return }
    let target = c + row * ldc
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
