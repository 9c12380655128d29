/// The cost minimized in training, as a mean over the batch.
public enum Loss: String, CaseIterable, Sendable {
    /// Softmax over the output logits, then −log p(label). The output layer must be `identity`.
    case softmaxCrossEntropy = "softmax-ce"
    /// ½·‖a − onehot(label)‖² on the output activations (the quadratic cost of Nielsen's book).
    case meanSquaredError = "mse"
    /// Independent sigmoid per output, binary cross-entropy against one-hot targets.
    /// The output layer must be `identity` (the loss applies the sigmoid).
    case sigmoidCrossEntropy = "sigmoid-ce"

    /// The output activation the loss expects when the user names none.
    public var defaultOutputActivation: Activation {
        switch self {
        case .softmaxCrossEntropy, .sigmoidCrossEntropy: .identity
        case .meanSquaredError: .sigmoid
        }
    }

    /// Whether the loss consumes raw logits (and so needs an identity output layer).
    public var takesLogits: Bool { self != .meanSquaredError }

    /// For rows `rows` of `outputs`: writes each row's loss (against targets smoothed by
    /// `labelSmoothing`, softmax cross-entropy only) to `losses[row]` and dLoss/d(output)
    /// of the mean over `batchSize` rows into the same rows of `gradient`.
    func evaluate(
        outputs: Matrix, rows: Range<Int>, labels: RowBuffer<Int32>,
        gradient: Matrix, batchSize: Int, losses: RowBuffer<Double>, labelSmoothing: Float = 0
    ) {
        lossKernel(self, outputs: outputs.rows(rows), labels: labels, gradient: gradient.rows(rows),
                   scale: 1 / Float(batchSize), losses: losses, smoothing: labelSmoothing)
    }
}
