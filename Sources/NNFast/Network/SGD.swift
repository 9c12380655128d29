/// Plain mini-batch stochastic gradient descent: θ ← θ − η·∇θ.
public struct SGD: Sendable {
    public let learningRate: Float

    public init(learningRate: Float) {
        self.learningRate = learningRate
    }

    /// Applies each layer's current gradients to its parameters.
    func step(_ network: Network) {
        for layer in network.layers {
            axpy(-learningRate, layer.weightGradient.base, layer.weights.base, count: layer.weights.count)
            axpy(-learningRate, layer.biasGradient.base, layer.bias.base, count: layer.bias.count)
        }
    }
}
