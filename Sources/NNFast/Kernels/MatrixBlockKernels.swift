import CNNFastMath
// The kernels' entry points for matrix blocks: where a `MatrixBlock` becomes a start pointer
// and a row stride. Everything outside Kernels/ names blocks; only this folder does the
// pointer arithmetic.

extension MatrixBlock {
    /// The first element of the block.
    var start: UnsafeMutablePointer<Float> { firstRow + columns.lowerBound }
    /// Column 0 of the block's first row (for kernels that take the column range themselves).
    var firstRow: UnsafeMutablePointer<Float> { matrix.base + rows.lowerBound * matrix.rowStride }
    /// Distance between the block's rows, in floats.
    var stride: Int { matrix.rowStride }
    /// The floats from the block's first row to the end of its last *padded* row: for the
    /// elementwise kernels, which run over whole padded rows (padding is zero on both sides).
    var paddedRowsCount: Int {
        precondition(columns.lowerBound == 0, "padded rows start at column 0")
        return rows.count * matrix.rowStride
    }
}

/// C ← epilogue(op(A)·op(B)) on blocks: op(A) is m×k, op(B) is k×n, C is m×n (A's block is k×m
/// when `opA` is `.transposed`, B's n×k when `opB` is).
func gemm(_ a: MatrixBlock, _ opA: Transpose, _ b: MatrixBlock, _ opB: Transpose, into c: MatrixBlock,
          epilogue: GEMMEpilogue = .plain, scratch: GEMMScratch, threads: Int = 1) {
    let m = opA.isTransposed ? a.columns.count : a.rows.count
    let k = opA.isTransposed ? a.rows.count : a.columns.count
    let kB = opB.isTransposed ? b.columns.count : b.rows.count
    let n = opB.isTransposed ? b.rows.count : b.columns.count
    precondition(k == kB, "GEMM inner dimensions differ: \(k) vs \(kB)")
    precondition(c.rows.count == m && c.columns.count == n,
                 "GEMM output is \(c.rows.count)×\(c.columns.count), expected \(m)×\(n)")
    gemm(tile: GEMMBuildTile.self, transA: opA.isTransposed, transB: opB.isTransposed, m: m, n: n, k: k,
         a: a.start, lda: a.stride, b: b.start, ldb: b.stride, c: c.start, ldc: c.stride,
         epilogue: epilogue, scratch: scratch, threads: threads)
}

extension GEMMEpilogue {
    /// f(acc + bias): the forward pass of a layer, `bias` a 1×n matrix.
    init(bias: Matrix, activation: ActivationKernel) {
        self.init(bias: bias.base, activation: activation)
    }
}

/// dA ← dA ⊙ f'(A) in place over whole padded rows (dA becomes dZ).
func activationBackward(_ gradient: MatrixBlock, output: MatrixBlock, kind: ActivationKernel) {
    precondition(gradient.rows.count == output.rows.count && gradient.stride == output.stride)
    activationBackward(gradient.start, output: output.start, count: gradient.paddedRowsCount, kind: kind)
}

/// x ← x ⊙ m over whole padded rows.
func multiplyElementwise(_ x: MatrixBlock, by m: MatrixBlock) {
    precondition(x.rows.count == m.rows.count && x.stride == m.stride)
    multiplyElementwise(x.start, by: m.start, count: x.paddedRowsCount)
}

/// y ← x ⊙ m over whole padded rows.
func multiplyElementwise(_ x: MatrixBlock, by m: MatrixBlock, into y: MatrixBlock) {
    precondition(x.rows.count == m.rows.count && x.rows.count == y.rows.count)
    precondition(x.stride == m.stride && x.stride == y.stride)
    multiplyElementwise(x.start, by: m.start, into: y.start, count: x.paddedRowsCount)
}

/// out[columns] ← Σ over the block's rows of x[·][columns], for `out` a 1×n row (the bias gradient).
func columnSums(_ x: MatrixBlock, into out: Matrix) {
    precondition(out.rows == 1 && x.columns.upperBound <= out.cols)
    columnSums(x.firstRow, rows: x.rows.count, ld: x.stride,
               columns: x.columns, into: out.base)
}

/// bias[columns] ← bias − η·Σ over the block's rows of dZ[·][columns] (SGD's fused bias step).
func subtractScaledColumnSums(_ gradient: MatrixBlock, learningRate: Float, from bias: Matrix) {
    precondition(bias.rows == 1 && gradient.columns.upperBound <= bias.cols)
    subtractScaledColumnSums(gradient.firstRow, rows: gradient.rows.count,
                             ld: gradient.stride, columns: gradient.columns, learningRate: learningRate, bias: bias.base)
}

/// Σ x² over the block's whole padded rows, in a fixed order.
func sumOfSquares(_ x: MatrixBlock) -> Double {
    sumOfSquares(x.start, count: x.paddedRowsCount)
}

extension Matrix {
    /// The column of the largest element of row `row` (the first on ties).
    func indexOfMaximum(inRow row: Int) -> Int {
        precondition(row >= 0 && row < rows, "row index out of range")
        let start = base + row * rowStride
        var best = 0
        for j in 1..<max(cols, 1) where start[j] > start[best] { best = j }
        return best
    }
}

/// One row of dropout multipliers (its logical columns): 1/(1 − p) or 0, from `random`.
func fillDropoutMultipliers(_ row: MatrixBlock, threshold: UInt32, keepScale: Float, random: inout SeededGenerator) {
    precondition(row.rows.count == 1, "one row at a time: each row has its own generator")
    fillDropoutMultipliers(row.start, count: row.columns.count, threshold: threshold, keepScale: keepScale, random: &random)
}

/// Z ← f(Z + bias) in place over the block, `bias` a 1×n row broadcast over the rows.
func biasActivationForward(_ z: MatrixBlock, bias: Matrix, kind: ActivationKernel) {
    precondition(bias.rows == 1 && z.columns.upperBound <= bias.cols)
    biasActivationForward(z.start, rows: z.rows.count, cols: z.columns.count, ldz: z.stride,
                          bias: bias.base + z.columns.lowerBound, kind: kind)
}

/// The block's rows ← `Float(pixel)·scale + offset`, from `pixels` holding the block's
/// rows × columns bytes in row order (one image per row when gathering a batch).
func convertPixels(_ pixels: UnsafeBufferPointer<UInt8>, scale: Float, offset: Float = 0, into block: MatrixBlock) {
    let width = block.columns.count
    precondition(pixels.count == block.rows.count * width, "pixel count differs from the block's size")
    guard let source = pixels.baseAddress else { return }
    for row in 0..<block.rows.count {
        convertPixels(source + row * width, count: width, scale: scale, offset: offset,
                      into: block.start + row * block.stride)
    }
}

/// destination ← sourceᵀ: `source` is m×n, `destination` n×m. In 8×8 blocks
/// (`nnfast_transpose8x8`), the ragged edges one float at a time.
func transpose(_ source: MatrixBlock, into destination: MatrixBlock) {
    let m = source.rows.count, n = source.columns.count
    precondition(destination.rows.count == n && destination.columns.count == m, "transpose of another shape")
    let from = source.start, to = destination.start
    let sourceStride = source.stride, destinationStride = destination.stride
    let wholeRows = m / 8 * 8, wholeColumns = n / 8 * 8
    for i in stride(from: 0, to: wholeRows, by: 8) {
        for j in stride(from: 0, to: wholeColumns, by: 8) {
            nnfast_transpose8x8(from + i * sourceStride + j, sourceStride, to + j * destinationStride + i, destinationStride)
        }
    }
    for i in 0..<m {
        for j in (i < wholeRows ? wholeColumns : 0)..<n { to[j * destinationStride + i] = from[i * sourceStride + j] }
    }
}
