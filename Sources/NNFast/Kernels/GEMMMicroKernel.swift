// The register-blocked heart of GEMM: one MR×NR tile of C, its accumulators held in SIMD
// registers for the whole K loop. This is the only machine-shaped code in the GEMM; packing and
// the blocking loops around it are generic (the BLIS split).
//
// With `-target-cpu haswell`, a SIMD16<Float> is two ymm registers: 4×16 accumulators take 8 of
// the 16 ymm registers, which covers the FMA latency × throughput (4 cycles × 2 ports) of Zen 4
// and leaves room for the B row and the A broadcasts.

/// Tile height (rows of C per micro-kernel call).
let gemmMR = 4
/// Tile width (columns of C per micro-kernel call): one SIMD16.
let gemmNR = 16

/// Accumulates `op(A)[rows × k] · Bpanel[k × 16]` and writes `α·acc + β·C` into the tile.
///
/// - `a` points at the tile's first A element; row `r`, step `p` is at `a + r·aRowStride + p·aKStride`.
/// - `b` points at a K×16 panel; step `p` is the 16 floats at `b + p·bKStride`.
/// - Only `rows ≤ 4` rows and `cols ≤ 16` columns of C are read or written. Rows past `rows`
///   re-read row 0 of A (always in bounds) and their results are dropped.
@inline(__always)
func gemmMicroKernel4x16(
    k: Int,
    a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
    b: UnsafePointer<Float>, bKStride: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
    alpha: Float, beta: Float
) {
    let a0 = a
    let a1 = rows > 1 ? a + aRowStride : a
    let a2 = rows > 2 ? a + 2 * aRowStride : a
    let a3 = rows > 3 ? a + 3 * aRowStride : a
    var c0 = SIMD16<Float>(), c1 = SIMD16<Float>(), c2 = SIMD16<Float>(), c3 = SIMD16<Float>()
    var offset = 0
    var bRow = UnsafeRawPointer(b)
    let bStep = bKStride * MemoryLayout<Float>.stride
    for _ in 0..<k {
        let bv = bRow.loadUnaligned(as: SIMD16<Float>.self)
        c0.addProduct(a0[offset], bv)
        c1.addProduct(a1[offset], bv)
        c2.addProduct(a2[offset], bv)
        c3.addProduct(a3[offset], bv)
        offset += aKStride
        bRow += bStep
    }
    storeTile(c0, row: 0, c: c, ldc: ldc, rows: rows, cols: cols, alpha: alpha, beta: beta)
    storeTile(c1, row: 1, c: c, ldc: ldc, rows: rows, cols: cols, alpha: alpha, beta: beta)
    storeTile(c2, row: 2, c: c, ldc: ldc, rows: rows, cols: cols, alpha: alpha, beta: beta)
    storeTile(c3, row: 3, c: c, ldc: ldc, rows: rows, cols: cols, alpha: alpha, beta: beta)
}

/// Writes one accumulator row into C: `α·acc + β·C`, never reading C when β is zero.
@inline(__always)
private func storeTile(
    _ acc: SIMD16<Float>, row: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
    rows: Int, cols: Int, alpha: Float, beta: Float
) {
    guard row < rows else { return }
    let target = c + row * ldc
    if cols == 16 {
        let raw = UnsafeMutableRawPointer(target)
        var value = alpha == 1 ? acc : acc * alpha
        if beta != 0 {
            value.addProduct(beta, raw.loadUnaligned(as: SIMD16<Float>.self))
        }
        raw.storeBytes(of: value, as: SIMD16<Float>.self)
    } else {
        for j in 0..<cols {
            let value = alpha * acc[j]
            target[j] = beta == 0 ? value : value + beta * target[j]
        }
    }
}
