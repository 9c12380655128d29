/// Plain mini-batch stochastic gradient descent: θ ← θ − η·∇θ.
public struct SGD: Sendable {
    public let learningRate: Float

    public init(learningRate: Float) {
        self.learningRate = learningRate
    }

    /// Applies each layer's stored gradients (from `Network.computeGradients`) to its
    /// parameters. Training uses the fused form, `Network.applySGD`, which never stores dW.
    func step(_ network: Network) {
        for layer in network.layers {
            // The padding of both matrices is zero, so whole padded rows can be updated.
            axpy(-learningRate, layer.weightGradient.base, layer.weights.base,
                 count: layer.weights.rows * layer.weights.rowStride)
            axpy(-learningRate, layer.biasGradient.base, layer.bias.base, count: layer.bias.rowStride)
        }
    }
}
