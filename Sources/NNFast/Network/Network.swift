/// A multilayer perceptron: a chain of dense layers and the loss it is trained on.
public final class Network {
    public let layers: [DenseLayer]
    public let loss: Loss

    /// Layer sizes, e.g. `[784, 100, 200, 10]`: hidden layers use `activation`, the output layer
    /// `outputActivation` (which a logit loss requires to be `identity`).
    public init(sizes: [Int], activation: Activation, outputActivation: Activation, loss: Loss) {
        precondition(sizes.count >= 2, "a network needs an input and an output size")
        self.loss = loss
        layers = (1..<sizes.count).map { index in
            DenseLayer(inputSize: sizes[index - 1], outputSize: sizes[index],
                       activation: index == sizes.count - 1 ? outputActivation : activation)
        }
    }

    /// A network from explicit layers (as read from a model file); sizes must chain.
    public init(layers specs: [(inputs: Int, outputs: Int, activation: Activation)], loss: Loss) {
        precondition(!specs.isEmpty, "a network needs at least one layer")
        self.loss = loss
        layers = specs.map { DenseLayer(inputSize: $0.inputs, outputSize: $0.outputs, activation: $0.activation) }
    }

    public var inputSize: Int { layers[0].inputSize }
    public var outputSize: Int { layers[layers.count - 1].outputSize }
    public var sizes: [Int] { [inputSize] + layers.map(\.outputSize) }
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Draws every layer's parameters from `initializer`, first layer first.
    public func initialize(_ initializer: Initializer, using generator: inout SeededGenerator) {
        for layer in layers {
            initializer.initialize(weights: layer.weights, bias: layer.bias, using: &generator)
        }
    }

    /// Runs rows `rows` of `workspace.input` through every layer; returns the output matrix.
    @discardableResult
    func forward(rows: Range<Int>, workspace: NetworkWorkspace, scratch: GEMMScratch,
                 profile: StepProfile? = nil) -> Matrix {
        precondition(rows.upperBound <= workspace.capacity, "batch larger than the workspace")
        var input = workspace.input
        for (index, layer) in layers.enumerated() {
            timed(profile, .forward(layer: index)) {
                layer.forward(input: input, output: workspace.activations[index], rows: rows, scratch: scratch)
            }
            input = workspace.activations[index]
        }
        return input
    }

    /// Loss and the per-row backward pass for rows `rows` (after `forward` on them): each row's
    /// loss into `workspace.rowLosses`, every layer's dZ, and dX down to the second layer.
    func backwardData(rows: Range<Int>, batchSize: Int, workspace: NetworkWorkspace, scratch: GEMMScratch,
                      profile: StepProfile? = nil, prepackedWeights: Bool = false, labelSmoothing: Float = 0) {
        let last = layers.count - 1
        timed(profile, .loss) {
            loss.evaluate(outputs: workspace.activations[last], rows: rows, labels: workspace.labels.base,
                          gradient: workspace.gradients[last], batchSize: batchSize, losses: workspace.rowLosses.base,
                          labelSmoothing: labelSmoothing)
        }
        for index in stride(from: last, through: 0, by: -1) {
            timed(profile, .backward(layer: index)) {
                layers[index].backwardData(
                    output: workspace.activations[index], outputGradient: workspace.gradients[index],
                    inputGradient: index == 0 ? nil : workspace.gradients[index - 1], rows: rows, scratch: scratch,
                    prepackedWeights: prepackedWeights)
            }
        }
    }

    /// Runs `body`, charging its time to `phase` when profiling.
    @inline(__always)
    func timed(_ profile: StepProfile?, _ phase: StepProfile.Phase, _ body: () -> Void) {
        if let profile { profile.time(phase, body) } else { body() }
    }

    /// The input of layer `index` in `workspace`.
    func layerInput(_ index: Int, _ workspace: NetworkWorkspace) -> Matrix {
        index == 0 ? workspace.input : workspace.activations[index - 1]
    }

    /// Forward, loss and full backward for the first `rows` rows on one thread, leaving every
    /// layer's `weightGradient`/`biasGradient` of the loss averaged over the rows.
    /// Returns the summed (not averaged) loss.
    func computeGradients(rows: Int, workspace: NetworkWorkspace, scratch: GEMMScratch) -> Double {
        forward(rows: 0..<rows, workspace: workspace, scratch: scratch)
        backwardData(rows: 0..<rows, batchSize: rows, workspace: workspace, scratch: scratch)
        for (index, layer) in layers.enumerated() {
            layer.computeParameterGradients(input: layerInput(index, workspace), outputGradient: workspace.gradients[index],
                                            batchRows: rows, scratch: scratch)
        }
        return workspace.rowLosses.prefix(rows).reduce(0, +)
    }

    /// Packs every layer's Wᵀ panels (before the first step that uses them).
    func packAllTransposedWeights() {
        for layer in layers.dropFirst() { layer.packTransposedWeights(rows: 0..<layer.inputSize) }
    }

    /// Index of the largest output for each row in `rows` of `output`.
    func argmaxRows(_ output: Matrix, rows: Range<Int>, into predictions: inout [Int]) {
        for i in rows {
            let row = output.base + i * output.rowStride
            var best = 0
            for j in 1..<max(output.cols, 1) where row[j] > row[best] { best = j }
            predictions[i] = best
        }
    }
}
