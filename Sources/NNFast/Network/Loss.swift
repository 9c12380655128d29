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

    /// Writes dLoss/d(output) for the batch mean into `gradient` and returns the summed loss.
    func evaluate(
        outputs: UnsafePointer<Float>, rows: Int, cols: Int, labels: UnsafePointer<Int32>,
        gradient: UnsafeMutablePointer<Float>, batchSize: Int
    ) -> Double {
        let scale = 1 / Float(batchSize)
        switch self {
        case .softmaxCrossEntropy:
            return softmaxCrossEntropyKernel(logits: outputs, rows: rows, cols: cols, labels: labels,
                                       gradient: gradient, scale: scale)
        case .meanSquaredError:
            return quadraticLossKernel(outputs: outputs, rows: rows, cols: cols, labels: labels,
                                 gradient: gradient, scale: scale)
        case .sigmoidCrossEntropy:
            return sigmoidCrossEntropyKernel(logits: outputs, rows: rows, cols: cols, labels: labels,
                                       gradient: gradient, scale: scale)
        }
    }
}
