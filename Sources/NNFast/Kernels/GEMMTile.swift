import CNNFastMath

// The register-blocked heart of GEMM: one MR×NR tile of C, its accumulators held in vector
// registers for the whole K loop. The tile is the only machine-shaped code in the GEMM; packing
// and the blocking loops around it are generic in MR and NR (the BLIS split).
//
// Which tile a build uses follows from the register file of its target CPU:
// - AVX-512 (32 zmm registers): `GEMMTile6x32`, 12 accumulators of 16 floats.
// - AVX2 + FMA (16 ymm registers), and every other target: `GEMMTile6x16`, 12 accumulators of
//   8 floats, two B vectors and a broadcast: 15 of the 16 registers, none spilled.
// Both tiles accumulate every element of C in the same order (one FMA per K step, from 0 up), so
// every tile, thread count and ISA gives the same bits. Tests run each tile against the reference
// whatever the build selects.

/// One micro-kernel shape: `multiply` accumulates `op(A)[rows × k] · Bpanel[k × NR]` and stores
/// the epilogue of it into C.
///
/// - `a` points at the tile's first A element; row `r`, step `p` is at `a + r·aRowStride + p·aKStride`.
/// - `b` points at a K×NR panel; step `p` is the NR floats at `b + p·bKStride`.
/// - Only `rows ≤ MR` rows and `cols ≤ NR` columns of C are read or written. Rows past `rows`
///   re-read row 0 of A (always in bounds) and their results are dropped.
protocol GEMMTile: Sendable {
    /// Tile height: rows of C per call.
    static var mr: Int { get }
    /// Tile width: columns of C per call, a multiple of 16 (the epilogue's segment).
    static var nr: Int { get }

    /// The fewest column panels from which GEMM's row walk over a transposed A packs each row
    /// panel of A before its tiles (`_GEMMPanelPlan.packsARowPanels`); `Int.max`: never.
    static var rowWalkPacksAFromPanels: Int { get }

    static func multiply(
        k: Int,
        a: UnsafePointer<Float>, aRowStride: Int, aKStride: Int,
        b: UnsafePointer<Float>, bKStride: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
        column: Int, epilogue: GEMMEpilogue)

    /// `_GEMMColumnEdge.rowBlocks` on this tile's vectors: the first rows of a narrow last
    /// column panel of a transposed-A GEMM, computed along C's rows; returns how many.
    static func columnEdgeAlongRows(
        k: Int, a: UnsafePointer<Float>, lda: Int, rows: Int, b: UnsafePointer<Float>, bKStride: Int, cols: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) -> Int
}

#if NNFAST_AVX512
/// The tile this build's GEMM uses (chosen by the target CPU's register file; see above).
typealias GEMMBuildTile = GEMMTile6x32
#else
typealias GEMMBuildTile = GEMMTile6x16
#endif

/// Every tile a build can select; the tests check each of them.
let gemmSelectableTiles: [any GEMMTile.Type] = [GEMMTile6x32.self, GEMMTile6x16.self]

/// The build tile's width: matrix rows are padded to a multiple of it.
let gemmNR = GEMMBuildTile.nr

/// Where threads split the rows of a batch: on multiples of 4, not of MR. A tile of at most four
/// rows costs two thirds of a full one (`_GEMMTileEdges.fourRowSums`, both tiles), so a batch of
/// 32 splits 16 + 16 — two full row panels and a four-row one each — where multiples of 6 gave
/// 18 + 14, three full-cost panels for the first thread. Counting tile costs, never worse than MR
/// at the batch sizes the MLP uses (32-256, two to four threads); results are the same, rows
/// never interact.
let gemmRowSplitGranularity = 4

/// The A operands of a six-row tile: row `r` reads `a + r·stride`; rows at or past `rows` re-read
/// row 0 (in bounds; their results are dropped).
@inline(__always)
func sixRowPointers(_ a: UnsafePointer<Float>, rows: Int, stride: Int) -> (
    UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
    UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>
) {
    @inline(__always) func row(_ r: Int) -> UnsafePointer<Float> { r < rows ? a + r * stride : a }
    return (a, row(1), row(2), row(3), row(4), row(5))
}

/// Writes a whole row of a full tile (`low`, then `high`, contiguous in C) when the epilogue is
/// linear: `α·acc + β·C`, with the same arithmetic as `GEMMEpilogue.apply`, so the same bits.
/// The dX, weight-gradient and update GEMMs all end this way, and the last two are only a batch
/// deep (k = 32): there the general store — a call per row, a jump on the activation, ragged
/// handling — took about a fifth of the GEMM's time (perf, Zen 3).
@inline(__always)
func storeLinearTileRow<Segment: SIMD>(
    _ low: Segment, _ high: Segment, _ target: UnsafeMutablePointer<Float>, alpha: Float, beta: Float
) where Segment.Scalar == Float {
    let raw = UnsafeMutableRawPointer(target)
    let highOffset = MemoryLayout<Segment>.size
    var lowValue = alpha == 1 ? low : low * alpha
    var highValue = alpha == 1 ? high : high * alpha
    if beta != 0 {
        lowValue.addProduct(beta, raw.loadUnaligned(as: Segment.self))
        highValue.addProduct(beta, raw.loadUnaligned(fromByteOffset: highOffset, as: Segment.self))
    }
    raw.storeBytes(of: lowValue, as: Segment.self)
    raw.storeBytes(of: highValue, toByteOffset: highOffset, as: Segment.self)
}

/// Writes the first `rows` rows of a full-width tile, row r's sums being `(low, high)`, when the
/// epilogue is linear (`GEMMEpilogue.isLinear`).
@inline(__always)
func storeLinearTile<Segment: SIMD>(
    _ r0: (Segment, Segment), _ r1: (Segment, Segment), _ r2: (Segment, Segment),
    _ r3: (Segment, Segment), _ r4: (Segment, Segment), _ r5: (Segment, Segment),
    into c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, epilogue: GEMMEpilogue
) where Segment.Scalar == Float {
    let (alpha, beta) = (epilogue.alpha, epilogue.beta)
    @inline(__always) func store(_ sums: (Segment, Segment), row: Int) {
        guard row < rows else { return }
        storeLinearTileRow(sums.0, sums.1, c + row * ldc, alpha: alpha, beta: beta)
    }
    store(r0, row: 0); store(r1, row: 1); store(r2, row: 2)
    store(r3, row: 3); store(r4, row: 4); store(r5, row: 5)
}

/// Writes one 16-wide accumulator segment into C through the epilogue, touching only `cols`.
@inline(__always)
func storeTileSegment(
    _ acc: SIMD16<Float>, _ target: UnsafeMutablePointer<Float>, cols: Int, column: Int, epilogue: GEMMEpilogue
) {
    if cols == 16 {
        let value = epilogue.apply(
            acc, column: column,
            existing: { nnfast_load16(target) },
            biasVector: { nnfast_load16(epilogue.bias! + column) })
        nnfast_store16(target, value)
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
