/// A fully connected layer: Z = X·W + b, A = f(Z).
///
/// Shapes (B = rows in the batch): X [B×in], W [in×out], b [1×out], A [B×out].
/// Backward, from dA [B×out]:
///   dZ = dA ⊙ f'(A)      (in place: dA's buffer becomes dZ)          — per row
///   dX = dZ·Wᵀ           [B×in]   (skipped for the first layer)      — per row
///   dW = Xᵀ·dZ           [in×out]                                     — sums over rows
///   db = Σ_rows dZ       [1×out]                                      — sums over rows
/// The per-row parts run on any row range (threads split the batch); the sums over rows run on
/// any range of W's rows / b's columns (threads split the parameters).
public final class DenseLayer {
    public let inputSize: Int
    public let outputSize: Int
    public let activation: Activation
    public let weights: Matrix
    public let bias: Matrix
    /// Gradients of the batch-mean loss, written by `computeParameterGradients` (the fused
    /// SGD step does not need them).
    public let weightGradient: Matrix
    public let biasGradient: Matrix
    /// Wᵀ in the backward GEMM's packed-panel layout, kept current by the training step so each
    /// step's dX = dZ·Wᵀ reads it instead of every thread packing all of Wᵀ again.
    let transposedPanels: GEMMScratch
    var transposedPanelCount: Int { (inputSize + gemmNR - 1) / gemmNR }

    public init(inputSize: Int, outputSize: Int, activation: Activation) {
        precondition(inputSize > 0 && outputSize > 0, "layer sizes must be positive")
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.activation = activation
        weights = Matrix(rows: inputSize, cols: outputSize)
        bias = Matrix(rows: 1, cols: outputSize)
        weightGradient = Matrix(rows: inputSize, cols: outputSize)
        biasGradient = Matrix(rows: 1, cols: outputSize)
        transposedPanels = GEMMScratch(capacity: (inputSize + gemmNR - 1) / gemmNR * outputSize * gemmNR)
    }

    /// Repacks the Wᵀ panels holding W's rows `rows` (whole panels: `rows` starts on a multiple
    /// of the panel width and ends on one or at `inputSize`).
    func packTransposedWeights(rows: Range<Int>) {
        guard !rows.isEmpty else { return }
        let panels = (rows.lowerBound / gemmNR)..<((rows.upperBound + gemmNR - 1) / gemmNR)
        packTransposedPanels(weights.base, rows: inputSize, cols: outputSize, ldw: weights.rowStride,
                             panels: panels, into: transposedPanels.reserve(transposedPanelCount * outputSize * gemmNR))
    }

    public var parameterCount: Int { weights.count + bias.count }

    /// A[rows] ← f(X[rows]·W + b): one GEMM with the bias and activation in its epilogue.
    func forward(input: Matrix, output: Matrix, rows: Range<Int>, scratch: GEMMScratch) {
        gemm(transA: false, transB: false, m: rows.count, n: outputSize, k: inputSize,
             a: input.base + rows.lowerBound * input.rowStride, lda: input.rowStride,
             b: weights.base, ldb: weights.rowStride,
             c: output.base + rows.lowerBound * output.rowStride, ldc: output.rowStride,
             epilogue: GEMMEpilogue(bias: bias.base, activation: activation.kernel), scratch: scratch)
    }

    /// dZ[rows] ← dA[rows] ⊙ f'(A[rows]) in place, then dX[rows] ← dZ[rows]·Wᵀ if asked.
    func backwardData(output: Matrix, outputGradient: Matrix, inputGradient: Matrix?,
                      rows: Range<Int>, scratch: GEMMScratch, prepackedWeights: Bool = false) {
        // Padding columns are zero in both A and dA, so whole padded rows can be processed.
        activationBackward(outputGradient.base + rows.lowerBound * outputGradient.rowStride,
                           output: output.base + rows.lowerBound * output.rowStride,
                           count: rows.count * output.rowStride, kind: activation.kernel)
        guard let inputGradient else { return }
        gemm(transA: false, transB: true, m: rows.count, n: inputSize, k: outputSize,
             a: outputGradient.base + rows.lowerBound * outputGradient.rowStride, lda: outputGradient.rowStride,
             b: weights.base, ldb: weights.rowStride,
             c: inputGradient.base + rows.lowerBound * inputGradient.rowStride, ldc: inputGradient.rowStride,
             scratch: scratch,
             prepackedB: prepackedWeights ? UnsafePointer(transposedPanels.reserve(transposedPanelCount * outputSize * gemmNR)) : nil)
    }

    /// dW[weightRows] ← (Xᵀ·dZ)[weightRows] and db[biasColumns] ← (Σ_rows dZ)[biasColumns] over the
    /// first `batchRows` rows: the gradients of the batch-mean loss (dZ holds the 1/batch), for
    /// the optimizers that need them stored. Threads may fill disjoint blocks at once.
    func computeParameterGradients(input: Matrix, outputGradient: Matrix, batchRows: Int,
                                   weightRows: Range<Int>, biasColumns: Range<Int>, scratch: GEMMScratch) {
        weightGradientGEMM(input: input, outputGradient: outputGradient, batchRows: batchRows, rows: weightRows,
                           into: weightGradient, epilogue: .plain, scratch: scratch)
        columnSums(outputGradient.base, rows: batchRows, ld: outputGradient.rowStride, columns: biasColumns,
                   into: biasGradient.base)
    }

    /// The whole of dW and db (for tests and the reference optimizers).
    func computeParameterGradients(input: Matrix, outputGradient: Matrix, batchRows: Int, scratch: GEMMScratch) {
        computeParameterGradients(input: input, outputGradient: outputGradient, batchRows: batchRows,
                                  weightRows: 0..<inputSize, biasColumns: 0..<outputSize, scratch: scratch)
    }

    /// Plain SGD's step for W's rows `weightRows` and b's columns `biasColumns`, fused with the
    /// gradient: W ← (1 − η·λ)·W − η·Xᵀ·dZ as one GEMM (α = −η, β = 1 − η·λ, λ the L2 weight
    /// decay), b ← b − η·Σ dZ. dW is never stored.
    func applyFusedSGD(input: Matrix, outputGradient: Matrix, batchRows: Int, rate: Float, weightDecay: Float,
                       weightRows: Range<Int>, biasColumns: Range<Int>, scratch: GEMMScratch) {
        weightGradientGEMM(input: input, outputGradient: outputGradient, batchRows: batchRows, rows: weightRows,
                           into: weights, epilogue: GEMMEpilogue(alpha: -rate, beta: 1 - rate * weightDecay), scratch: scratch)
        subtractScaledColumnSums(outputGradient.base, rows: batchRows, ld: outputGradient.rowStride,
                                 columns: biasColumns, learningRate: rate, bias: bias.base)
    }

    /// destination[rows] ← epilogue((Xᵀ·dZ)[rows]) over the first `batchRows` rows of the batch:
    /// the weight gradient into dW (plain), or SGD's update into W itself (α = −η, β = 1 − η·λ).
    private func weightGradientGEMM(input: Matrix, outputGradient: Matrix, batchRows: Int, rows: Range<Int>,
                                    into destination: Matrix, epilogue: GEMMEpilogue, scratch: GEMMScratch) {
        guard !rows.isEmpty else { return }
        gemm(transA: true, transB: false, m: rows.count, n: outputSize, k: batchRows,
             a: input.base + rows.lowerBound, lda: input.rowStride,
             b: outputGradient.base, ldb: outputGradient.rowStride,
             c: destination.row(rows.lowerBound), ldc: destination.rowStride,
             epilogue: epilogue, scratch: scratch)
    }
}
