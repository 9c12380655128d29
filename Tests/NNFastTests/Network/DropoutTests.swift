import Testing
@testable import NNFast

@Suite struct DropoutTests {
    private func network(_ sizes: [Int]) -> Network {
        let network = Network(sizes: sizes, activation: .tanh, outputActivation: .identity, loss: .softmaxCrossEntropy)
        var generator = SeededGenerator(seed: 8)
        network.initialize(.he, using: &generator)
        return network
    }

    /// Inverted dropout keeps the expected activation: kept units are scaled by 1/(1 − p).
    @Test(arguments: [Float(0.1), 0.5, 0.8])
    func masksDropAboutPAndKeepTheMeanAtOne(p: Float) {
        let net = network([1000, 200, 10])
        let buffers = DropoutBuffers(settings: DropoutSettings(input: p, hidden: p), seed: 1, network: net, capacity: 100)
        buffers.drawMasks(step: 7, rows: 0..<100, index: 0)
        let values = buffers.multipliers[0].values  // 100,000 units
        let dropped = Double(values.filter { $0 == 0 }.count) / Double(values.count)
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        // Binomial: 5 standard deviations of the mean over 100,000 units.
        let sigma = (Double(p) * Double(1 - p) / Double(values.count)).squareRoot()
        #expect(abs(dropped - Double(p)) < 5 * sigma, "dropped \(dropped) for p \(p)")
        #expect(abs(mean - 1) < 5 * sigma / Double(1 - p), "mean multiplier \(mean)")
        #expect(Set(values).isSubset(of: [0, 1 / (1 - p)]))
    }

    /// A mask is a function of (seed, step, row, layer) only.
    @Test func masksDependOnlyOnSeedStepRowAndLayer() {
        let net = network([30, 20, 5])
        let a = DropoutBuffers(settings: DropoutSettings(input: 0.5, hidden: 0.5), seed: 3, network: net, capacity: 8)
        let b = DropoutBuffers(settings: DropoutSettings(input: 0.5, hidden: 0.5), seed: 3, network: net, capacity: 8)
        a.drawMasks(step: 2, rows: 0..<8, index: 1)
        b.drawMasks(step: 2, rows: 0..<3, index: 1)  // the rows in two pieces, as two threads would
        b.drawMasks(step: 2, rows: 3..<8, index: 1)
        #expect(a.multipliers[1].values == b.multipliers[1].values)
        b.drawMasks(step: 3, rows: 0..<8, index: 1)
        #expect(a.multipliers[1].values != b.multipliers[1].values)
    }

    /// The backward pass through the masks equals central differences of the same masked loss.
    @Test func backwardThroughDropoutMatchesFiniteDifferences() {
        let net = network([12, 9, 7, 5])
        let rows = 6
        let workspace = NetworkWorkspace(network: net, capacity: rows)
        workspace.dropout = DropoutBuffers(settings: DropoutSettings(input: 0.25, hidden: 0.5), seed: 4, network: net, capacity: rows)
        let inputs = randomFloats(rows * 12, seed: 9)
        func load() {
            workspace.input.setValues(inputs)  // input dropout works in place: reload before each pass
            for r in 0..<rows { workspace.labels[r] = Int32(r % 5) }
        }
        func loss() -> Double {
            load()
            net.forward(rows: 0..<rows, workspace: workspace, scratch: GEMMScratch(), dropoutStep: 11)
            net.loss.evaluate(outputs: workspace.activations[2], rows: 0..<rows, labels: workspace.labels,
                              gradient: workspace.gradients[2], batchSize: rows, losses: workspace.rowLosses)
            return workspace.rowLosses.prefix(rows).reduce(0, +) / Double(rows)
        }
        load()
        _ = net.computeGradients(rows: rows, workspace: workspace, scratch: GEMMScratch(), dropoutStep: 11)
        let analytic = net.layers.map { $0.weightGradient.values }
        let h: Float = 1e-2
        for (l, layer) in net.layers.enumerated() {
            for index in stride(from: 0, to: layer.weights.count, by: 5) {
                let (i, j) = (index / layer.outputSize, index % layer.outputSize)
                let original = layer.weights[i, j]
                layer.weights[i, j] = original + h
                let up = loss()
                layer.weights[i, j] = original - h
                let down = loss()
                layer.weights[i, j] = original
                let numeric = (up - down) / Double(2 * h)
                #expect(abs(numeric - Double(analytic[l][index])) <= 2e-3 * max(1, abs(numeric)),
                        "layer \(l + 1) W[\(i)][\(j)]: \(numeric) vs \(analytic[l][index])")
            }
        }
    }

    /// Without a dropout step (evaluation, prediction) nothing is dropped or rescaled.
    @Test func evaluationIgnoresDropout() {
        let net = network([20, 16, 4])
        let plain = NetworkWorkspace(network: net, capacity: 3)
        let training = NetworkWorkspace(network: net, capacity: 3)
        training.dropout = DropoutBuffers(settings: DropoutSettings(input: 0.5, hidden: 0.5), seed: 1, network: net, capacity: 3)
        let inputs = randomFloats(60, seed: 2)
        plain.input.setValues(inputs)
        training.input.setValues(inputs)
        let a = net.forward(rows: 0..<3, workspace: plain, scratch: GEMMScratch()).values
        let b = net.forward(rows: 0..<3, workspace: training, scratch: GEMMScratch()).values
        #expect(a == b)
        let c = net.forward(rows: 0..<3, workspace: training, scratch: GEMMScratch(), dropoutStep: 1).values
        #expect(c != a)
    }

    @Test func probabilitiesOutOfRangeAreUsageErrors() {
        expectError("--dropout: must be a probability in [0, 0.95), found -0.1") { try DropoutSettings(hidden: -0.1).validate() }
        expectError("--input-dropout") { try DropoutSettings(input: 0.99).validate() }
    }
}
