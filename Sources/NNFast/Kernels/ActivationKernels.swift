// SIMD activations and their derivatives. The derivatives are written in terms of the
// activation's *output* A, so a layer keeps only A (not Z) for its backward pass:
//   ReLU'    = [A > 0]
//   sigmoid' = A·(1 − A)
//   tanh'    = 1 − A²
//   identity'= 1

@inline(__always)
func reluVector(_ z: SIMD16<Float>) -> SIMD16<Float> {
    z.replacing(with: 0, where: z .< 0)
}

@inline(__always)
func sigmoidVector(_ z: SIMD16<Float>) -> SIMD16<Float> {
    1 / (1 + vectorExp(-z))
}

/// tanh(z) = sign(z)·(1 − e^{−2|z|}) / (1 + e^{−2|z|}): no cancellation for large |z|.
@inline(__always)
func tanhVector(_ z: SIMD16<Float>) -> SIMD16<Float> {
    let magnitude = z.replacing(with: -z, where: z .< 0)
    let e = vectorExp(-2 * magnitude)
    let t = (1 - e) / (1 + e)
    return t.replacing(with: -t, where: z .< 0)
}

/// Element kinds of activation the kernels implement.
enum ActivationKernel {
    case identity, relu, sigmoid, tanh
}

/// Z[rows × cols] ← f(Z + bias) in place, bias broadcast over rows: the bias add fused with the
/// activation so each row is touched once while it is in cache.
func biasActivationForward(
    _ z: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ldz: Int,
    bias: UnsafePointer<Float>, kind: ActivationKernel
) {
    for i in 0..<rows {
        let row = z + i * ldz
        var chunks = _Chunks(row, bias, count: cols)
        switch kind {
        case .identity: while chunks.hasMore { let (z, b) = chunks.load(); chunks.storeAndAdvance(z + b) }
        case .relu: while chunks.hasMore { let (z, b) = chunks.load(); chunks.storeAndAdvance(reluVector(z + b)) }
        case .sigmoid: while chunks.hasMore { let (z, b) = chunks.load(); chunks.storeAndAdvance(sigmoidVector(z + b)) }
        case .tanh: while chunks.hasMore { let (z, b) = chunks.load(); chunks.storeAndAdvance(tanhVector(z + b)) }
        }
    }
}

/// dA[count] ← dA ⊙ f'(A) in place (dA becomes dZ), with f' expressed through A.
func activationBackward(
    _ gradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, count: Int,
    kind: ActivationKernel
) {
    var chunks = _Chunks(gradient, output, count: count)
    switch kind {
    case .identity: return
    case .relu:
        while chunks.hasMore { let (g, a) = chunks.load(); chunks.storeAndAdvance(g.replacing(with: 0, where: a .<= 0)) }
    case .sigmoid:
        while chunks.hasMore { let (g, a) = chunks.load(); chunks.storeAndAdvance(g * a * (1 - a)) }
    case .tanh:
        while chunks.hasMore { let (g, a) = chunks.load(); chunks.storeAndAdvance(g * (1 - a * a)) }
    }
}

/// out[columns] ← Σ over rows of x[rows × ·][columns]: the bias gradient, for any block of
/// columns. Rows are summed in order, so the result does not depend on the column split.
func columnSums(
    _ x: UnsafePointer<Float>, rows: Int, ld: Int, columns: Range<Int>, into out: UnsafeMutablePointer<Float>
) {
    guard !columns.isEmpty else { return }
    (out + columns.lowerBound).update(repeating: 0, count: columns.count)
    for i in 0..<rows {
        var chunks = _Chunks(out + columns.lowerBound, x + i * ld + columns.lowerBound, count: columns.count)
        while chunks.hasMore { let (sum, v) = chunks.load(); chunks.storeAndAdvance(sum + v) }
    }
}

/// bias[columns] ← bias − η·Σ over rows of dZ[rows × ·][columns]: the bias half of the fused
/// SGD step. Each column's sum runs over the rows in order, whatever the column split.
///
/// Columns go 16, then 8, 4 and 1 at a time, each sum kept in a register across the rows. A
/// ragged block (a 10-wide output layer, the 8 columns past a 200-wide layer's last 16) used to
/// be summed element by element into a SIMD16, through memory on every row: on Zen 3 at batch
/// 256 the thread that owned those columns took 45-46 µs over the last layer's update, the
/// other 15-17 µs; 22-31 µs since (`nnfast bench --filter step` with a temporary switch, not
/// kept, that timed the other thread's share instead of thread 0's).
func subtractScaledColumnSums(
    _ gradient: UnsafePointer<Float>, rows: Int, ld: Int, columns: Range<Int>,
    learningRate: Float, bias: UnsafeMutablePointer<Float>
) {
    var column = columns.lowerBound
    while column < columns.upperBound {
        let remaining = columns.upperBound - column
        if remaining >= 16 {
            subtractScaledColumnSums(SIMD16<Float>.self, gradient, rows: rows, ld: ld, column: column, learningRate, bias)
            column += 16
        } else if remaining >= 8 {
            subtractScaledColumnSums(SIMD8<Float>.self, gradient, rows: rows, ld: ld, column: column, learningRate, bias)
            column += 8
        } else if remaining >= 4 {
            subtractScaledColumnSums(SIMD4<Float>.self, gradient, rows: rows, ld: ld, column: column, learningRate, bias)
            column += 4
        } else {
            var sum: Float = 0
            for i in 0..<rows { sum += gradient[i * ld + column] }
            bias[column] -= learningRate * sum
            column += 1
        }
    }
}

/// `subtractScaledColumnSums` over the `V.scalarCount` columns from `column`.
@inline(__always)
private func subtractScaledColumnSums<V: SIMD>(
    _: V.Type, _ gradient: UnsafePointer<Float>, rows: Int, ld: Int, column: Int,
    _ learningRate: Float, _ bias: UnsafeMutablePointer<Float>
) where V.Scalar == Float {
    var sums = V()
    for i in 0..<rows { sums += UnsafeRawPointer(gradient + i * ld + column).loadUnaligned(as: V.self) }
    for j in 0..<V.scalarCount { bias[column + j] -= learningRate * sums[j] }
}
