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

    /// Runs the first `rows` rows of `workspace.input` through every layer; returns the output.
    @discardableResult
    func forward(rows: Int, workspace: NetworkWorkspace, context: ComputeContext) -> Matrix {
        precondition(rows <= workspace.capacity, "batch larger than the workspace")
        var input = workspace.input
        for (index, layer) in layers.enumerated() {
            layer.forward(input: input, rows: rows, output: workspace.activations[index], context: context)
            input = workspace.activations[index]
        }
        return input
    }

    /// Forward, loss and backward for the first `rows` rows, leaving every layer's gradient of
    /// the loss averaged over `batchSize`. Returns the summed (not averaged) loss of the rows.
    func computeGradients(
        rows: Int, batchSize: Int, workspace: NetworkWorkspace, context: ComputeContext
    ) -> Double {
        let output = forward(rows: rows, workspace: workspace, context: context)
        let last = layers.count - 1
        let lossSum = workspace.labels.withUnsafeBufferPointer { labels in
            loss.evaluate(outputs: output.base, rows: rows, cols: outputSize,
                          labels: labels.baseAddress!, gradient: workspace.gradients[last].base,
                          batchSize: batchSize)
        }
        for index in stride(from: last, through: 0, by: -1) {
            let layer = layers[index]
            layer.backward(
                input: index == 0 ? workspace.input : workspace.activations[index - 1],
                output: workspace.activations[index], outputGradient: workspace.gradients[index],
                rows: rows, inputGradient: index == 0 ? nil : workspace.gradients[index - 1],
                context: context)
        }
        return lossSum
    }

    /// Index of the largest output for each of the first `rows` rows of `output`.
    func argmaxRows(_ output: Matrix, rows: Int, into predictions: inout [Int]) {
        let cols = output.cols
        for i in 0..<rows {
            let row = output.base + i * cols
            var best = 0
            for j in 1..<max(cols, 1) where row[j] > row[best] { best = j }
            predictions[i] = best
        }
    }
}
