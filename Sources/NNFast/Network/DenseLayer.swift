/// A fully connected layer: Z = X·W + b, A = f(Z).
///
/// Shapes (B = rows in the batch): X [B×in], W [in×out], b [1×out], A [B×out].
/// Backward, from dA [B×out]:
///   dZ = dA ⊙ f'(A)      (in place: dA's buffer becomes dZ)
///   dW = Xᵀ·dZ           [in×out]
///   db = Σ_rows dZ       [1×out]
///   dX = dZ·Wᵀ           [B×in]   (skipped for the first layer: nobody needs it)
public final class DenseLayer {
    public let inputSize: Int
    public let outputSize: Int
    public let activation: Activation
    public let weights: Matrix
    public let bias: Matrix
    /// Gradients of the batch-mean loss, written by `backward`.
    public let weightGradient: Matrix
    public let biasGradient: Matrix

    public init(inputSize: Int, outputSize: Int, activation: Activation) {
        precondition(inputSize > 0 && outputSize > 0, "layer sizes must be positive")
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.activation = activation
        weights = Matrix(rows: inputSize, cols: outputSize)
        bias = Matrix(rows: 1, cols: outputSize)
        weightGradient = Matrix(rows: inputSize, cols: outputSize)
        biasGradient = Matrix(rows: 1, cols: outputSize)
    }

    public var parameterCount: Int { weights.count + bias.count }

    /// A ← f(X·W + b) for the first `rows` rows of `input`.
    func forward(input: Matrix, rows: Int, output: Matrix, context: ComputeContext) {
        gemm(transA: false, transB: false, m: rows, n: outputSize, k: inputSize, alpha: 1,
             a: input.base, lda: inputSize, b: weights.base, ldb: outputSize,
             beta: 0, c: output.base, ldc: outputSize, scratch: context.scratch, threads: context.threads)
        biasActivationForward(output.base, rows: rows, cols: outputSize, ldz: outputSize,
                              bias: bias.base, kind: activation.kernel)
    }

    /// From dA (in `outputGradient`, overwritten with dZ) computes dW, db, and dX when asked.
    func backward(
        input: Matrix, output: Matrix, outputGradient: Matrix, rows: Int,
        inputGradient: Matrix?, context: ComputeContext
    ) {
        activationBackward(outputGradient.base, output: output.base, count: rows * outputSize,
                           kind: activation.kernel)
        gemm(transA: true, transB: false, m: inputSize, n: outputSize, k: rows, alpha: 1,
             a: input.base, lda: inputSize, b: outputGradient.base, ldb: outputSize,
             beta: 0, c: weightGradient.base, ldc: outputSize,
             scratch: context.scratch, threads: context.threads)
        columnSums(outputGradient.base, rows: rows, cols: outputSize, ldx: outputSize,
                   into: biasGradient.base)
        if let inputGradient {
            gemm(transA: false, transB: true, m: rows, n: inputSize, k: outputSize, alpha: 1,
                 a: outputGradient.base, lda: outputSize, b: weights.base, ldb: outputSize,
                 beta: 0, c: inputGradient.base, ldc: inputSize,
                 scratch: context.scratch, threads: context.threads)
        }
    }
}
