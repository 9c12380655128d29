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
    /// With `dropoutStep` (training), the workspace's dropout masks for that step are drawn for
    /// these rows and applied: to the input in place, and to each hidden layer's output into
    /// its dropped copy, which the next layer reads.
    @discardableResult
    func forward(rows: Range<Int>, workspace: NetworkWorkspace, scratch: GEMMScratch,
                 profile: PhaseTimer? = nil, dropoutStep: Int? = nil) -> Matrix {
        precondition(rows.upperBound <= workspace.capacity, "batch larger than the workspace")
        let dropout = dropoutStep == nil ? nil : workspace.dropout
        if let dropout, let step = dropoutStep, dropout.settings.input > 0 {
            dropout.drawMasks(step: step, rows: rows, index: 0)
            multiplyElementwise(workspace.input.rows(rows), by: dropout.multipliers[0].rows(rows))
        }
        var input = workspace.input
        for (index, layer) in layers.enumerated() {
            let output = workspace.activations[index]
            timed(profile, .forward(layer: index)) {
                layer.forward(input: input, output: output, rows: rows, scratch: scratch)
            }
            input = output
            if let dropout, let step = dropoutStep, dropout.settings.hidden > 0, index < layers.count - 1 {
                dropout.drawMasks(step: step, rows: rows, index: index + 1)
                let dropped = dropout.dropped[index]
                multiplyElementwise(output.rows(rows), by: dropout.multipliers[index + 1].rows(rows), into: dropped.rows(rows))
                input = dropped
            }
        }
        return input
    }

    /// Loss and the per-row backward pass for rows `rows` (after `forward` on them): each row's
    /// loss into `workspace.rowLosses`, every layer's dZ, and dX down to the second layer.
    /// With `dropout`, each hidden layer's gradient (with respect to its dropped output) is taken
    /// back through the mask before f′(A).
    func backwardData(rows: Range<Int>, batchSize: Int, workspace: NetworkWorkspace, scratch: GEMMScratch,
                      profile: PhaseTimer? = nil, labelSmoothing: Float = 0,
                      dropout: Bool = false) {
        let last = layers.count - 1
        timed(profile, .loss) {
            loss.evaluate(outputs: workspace.activations[last], rows: rows, labels: workspace.labels,
                          gradient: workspace.gradients[last], batchSize: batchSize, losses: workspace.rowLosses,
                          labelSmoothing: labelSmoothing)
        }
        let masks = dropout ? workspace.dropout.flatMap { $0.settings.hidden > 0 ? $0 : nil } : nil
        for index in stride(from: last, through: 0, by: -1) {
            if let masks, index < last {
                multiplyElementwise(workspace.gradients[index].rows(rows), by: masks.multipliers[index + 1].rows(rows))
            }
            timed(profile, .backward(layer: index)) {
                layers[index].backwardData(
                    output: workspace.activations[index], outputGradient: workspace.gradients[index],
                    inputGradient: index == 0 ? nil : workspace.gradients[index - 1],
                    transposedInputGradient: workspace.transposedInputGradients[index], rows: rows, scratch: scratch)
            }
        }
    }

    /// Runs `body`, charging its time to `phase` when profiling.
    @inline(__always)
    func timed(_ profile: PhaseTimer?, _ phase: StepProfile.Phase, _ body: () -> Void) {
        if let profile { profile.time(phase, body) } else { body() }
    }

    /// The input of layer `index` in `workspace`: the dropped activations when hidden dropout is on.
    func layerInput(_ index: Int, _ workspace: NetworkWorkspace) -> Matrix {
        guard index > 0 else { return workspace.input }
        if let dropout = workspace.dropout, dropout.settings.hidden > 0 { return dropout.dropped[index - 1] }
        return workspace.activations[index - 1]
    }

    /// Forward, loss and full backward for the first `rows` rows on one thread, leaving every
    /// layer's `weightGradient`/`biasGradient` of the loss averaged over the rows.
    /// Returns the summed (not averaged) loss.
    /// With `dropoutStep`, through the workspace's dropout masks of that step.
    func computeGradients(rows: Int, workspace: NetworkWorkspace, scratch: GEMMScratch, dropoutStep: Int? = nil) -> Double {
        forward(rows: 0..<rows, workspace: workspace, scratch: scratch, dropoutStep: dropoutStep)
        backwardData(rows: 0..<rows, batchSize: rows, workspace: workspace, scratch: scratch, dropout: dropoutStep != nil)
        for (index, layer) in layers.enumerated() {
            layer.computeParameterGradients(input: layerInput(index, workspace), outputGradient: workspace.gradients[index],
                                            batchRows: rows, scratch: scratch)
        }
        return workspace.rowLosses.prefix(rows).reduce(0, +)
    }

    /// Index of the largest output for each row in `rows` of `output`.
    func argmaxRows(_ output: Matrix, rows: Range<Int>, into predictions: inout [Int]) {
        for i in rows { predictions[i] = output.indexOfMaximum(inRow: i) }
    }
}
