/// A fully connected layer: Z = X·W + b, A = f(Z).
///
/// Shapes (B = rows in the batch): X [B×in], W [in×out], b [1×out], A [B×out].
/// Backward, from dA [B×out]:
///   dZ = dA ⊙ f'(A)      (in place: dA's buffer becomes dZ)          — per row
///   dX = dZ·Wᵀ           [B×in]   (skipped for the first layer)      — per row,
///                                  computed as dXᵀ = W·dZᵀ [in×B], then transposed
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
    let weightGradient: Matrix
    let biasGradient: Matrix

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

    /// A[rows] ← f(X[rows]·W + b): one GEMM with the bias and activation in its epilogue.
    func forward(input: Matrix, output: Matrix, rows: Range<Int>, scratch: GEMMScratch) {
        gemm(input.rows(rows), .none, weights.all, .none, into: output.rows(rows),
             epilogue: GEMMEpilogue(bias: bias, activation: activation.kernel), scratch: scratch)
    }

    /// dZ[rows] ← dA[rows] ⊙ f'(A[rows]) in place, then dX[rows] ← dZ[rows]·Wᵀ if asked.
    ///
    /// dZ·Wᵀ needs Wᵀ packed into panels, all of it, by every thread on every step; until this
    /// release the threads shared one packed copy instead, each repacking the rows of W it had
    /// just updated — rewriting lines the other core had read, the costliest store there is
    /// (~6 ns a line on the 2-vCPU Zen 4, family 25 model 17, ten times a store to a line no other
    /// core holds; a temporary C program). So a
    /// layer with at least `wideOutputs` outputs computes dXᵀ = W·dZᵀ into
    /// `transposedInputGradient` (columns `rows`), reading W in place as the GEMM's A and packing
    /// only dZᵀ, its own rows, then transposes it into dX. A narrower layer (the 10-class output)
    /// packs its small Wᵀ in the GEMM instead: with K = 10, thread 0's `backward L3` took 3.9 µs
    /// through W·dZᵀ (against 2.1 with the shared panels, same run) and 2.5 through dZ·Wᵀ packing
    /// Wᵀ in the call (against 1.8; batch 32, 2 threads, Zen 4 family 25 model 17,
    /// `tools/compare_builds.py --filter "step b32" --phases`, 9 rounds each). Either way each
    /// element of dX is one FMA per K step from 0 up, dZ[r, k]·W[i, k] or W[i, k]·dZ[r, k]: the
    /// same bits.
    func backwardData(output: Matrix, outputGradient: Matrix, inputGradient: Matrix?, transposedInputGradient: Matrix?,
                      rows: Range<Int>, scratch: GEMMScratch) {
        // Padding columns are zero in both A and dA, so whole padded rows can be processed.
        activationBackward(outputGradient.rows(rows), output: output.rows(rows), kind: activation.kernel)
        guard let inputGradient else { return }
        guard outputSize >= DenseLayer.wideOutputs else {
            gemm(outputGradient.rows(rows), .none, weights.all, .transposed, into: inputGradient.rows(rows), scratch: scratch)
            return
        }
        guard let transposedInputGradient else { preconditionFailure("a wide layer's dX needs a buffer for dXᵀ") }
        let transposed = transposedInputGradient.block(rows: 0..<inputSize, columns: rows)
        gemm(weights.all, .none, outputGradient.rows(rows), .transposed, into: transposed, scratch: scratch)
        transpose(transposed, into: inputGradient.rows(rows))
    }

    /// Outputs from which `backwardData` computes dXᵀ = W·dZᵀ rather than dZ·Wᵀ.
    static let wideOutputs = 32

    /// dW[weightRows] ← (Xᵀ·dZ)[weightRows] and db[biasColumns] ← (Σ_rows dZ)[biasColumns] over the
    /// first `batchRows` rows: the gradients of the batch-mean loss (dZ holds the 1/batch), for
    /// the optimizers that need them stored. Threads may fill disjoint blocks at once.
    func computeParameterGradients(input: Matrix, outputGradient: Matrix, batchRows: Int,
                                   weightRows: Range<Int>, biasColumns: Range<Int>, scratch: GEMMScratch) {
        weightGradientGEMM(input: input, outputGradient: outputGradient, batchRows: batchRows, rows: weightRows,
                           into: weightGradient, epilogue: .plain, scratch: scratch)
        columnSums(outputGradient.block(rows: 0..<batchRows, columns: biasColumns), into: biasGradient)
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
        subtractScaledColumnSums(outputGradient.block(rows: 0..<batchRows, columns: biasColumns),
                                 learningRate: rate, from: bias)
    }

    /// destination[rows] ← epilogue((Xᵀ·dZ)[rows]) over the first `batchRows` rows of the batch:
    /// the weight gradient into dW (plain), or SGD's update into W itself (α = −η, β = 1 − η·λ).
    private func weightGradientGEMM(input: Matrix, outputGradient: Matrix, batchRows: Int, rows: Range<Int>,
                                    into destination: Matrix, epilogue: GEMMEpilogue, scratch: GEMMScratch) {
        guard !rows.isEmpty else { return }
        gemm(input.block(rows: 0..<batchRows, columns: rows), .transposed, outputGradient.rows(0..<batchRows), .none,
             into: destination.rows(rows), epilogue: epilogue, scratch: scratch)
    }
}
