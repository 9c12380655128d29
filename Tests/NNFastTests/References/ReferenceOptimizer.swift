import Foundation
@testable import NNFast

/// The optimizers as their papers write them, one scalar at a time on plain arrays, applied to
/// the gradients `Network.computeGradients` leaves in each layer: what the fused, vectorized,
/// thread-split `ParameterUpdate` must agree with. Weight decay applies to weights only.
final class ReferenceOptimizer {
    let settings: OptimizerSettings
    /// Per layer: [weights state, bias state] per slot, as flat arrays of the logical elements.
    private var first: [[[Float]]] = []
    private var second: [[[Float]]] = []
    private var step = 0

    init(settings: OptimizerSettings, network: Network) {
        self.settings = settings
        let zeros = network.layers.map { [[Float](repeating: 0, count: $0.weights.count), [Float](repeating: 0, count: $0.bias.count)] }
        first = zeros
        second = zeros
    }

    func update(_ network: Network, rate: Float) {
        step += 1
        // Clipping: the whole gradient scaled to norm c when longer (norm over every element).
        var scale: Float = 1
        if let limit = settings.clipNorm {
            let norm = network.layers.flatMap { $0.weightGradient.values + $0.biasGradient.values }
                .reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            if norm > Double(limit) { scale = Float(Double(limit) / norm) }
        }
        for (l, layer) in network.layers.enumerated() {
            let tensors = [(layer.weights, layer.weightGradient, true), (layer.bias, layer.biasGradient, false)]
            for (t, (parameters, gradients, isWeight)) in tensors.enumerated() {
                var theta = parameters.values
                let g = gradients.values.map { $0 * scale }
                let decay = isWeight ? settings.weightDecay : 0
                for i in theta.indices {
                    theta[i] = updated(theta[i], g[i], decay: decay, rate: rate, m: &first[l][t][i], v: &second[l][t][i])
                }
                parameters.setValues(theta)
            }
            // Max-norm: each column of W (a unit's incoming weights) scaled down to norm c.
            if let limit = settings.maxNorm {
                for j in 0..<layer.outputSize {
                    let norm = (0..<layer.inputSize).reduce(0.0) { $0 + Double(layer.weights[$1, j] * layer.weights[$1, j]) }.squareRoot()
                    if norm > Double(limit) {
                        for i in 0..<layer.inputSize { layer.weights[i, j] *= Float(Double(limit) / norm) }
                    }
                }
            }
        }
    }

    private func updated(_ theta: Float, _ g: Float, decay: Float, rate: Float, m: inout Float, v: inout Float) -> Float {
        let s = settings
        switch s.kind {
        case .sgd:
            return theta - rate * (g + decay * theta)
        case .momentum, .nesterov:
            let gradient = g + decay * theta
            m = s.momentum * m + gradient
            return theta - rate * (s.kind == .nesterov ? gradient + s.momentum * m : m)
        case .adam, .adamw:
            let gradient = s.kind == .adam ? g + decay * theta : g
            m = s.beta1 * m + (1 - s.beta1) * gradient
            v = s.beta2 * v + (1 - s.beta2) * gradient * gradient
            let mHat = m / (1 - pow(s.beta1, Float(step)))
            let vHat = v / (1 - pow(s.beta2, Float(step)))
            let adamStep = mHat / (vHat.squareRoot() + s.epsilon)
            return theta - rate * (adamStep + (s.kind == .adamw ? decay * theta : 0))
        }
    }
}
