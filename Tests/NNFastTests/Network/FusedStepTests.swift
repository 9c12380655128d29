import Testing
@testable import NNFast

@Suite struct FusedStepTests {
    /// The training step never stores dW: it runs W ← W − η·Xᵀ·dZ as one GEMM. It must agree
    /// with the textbook form (store dW and db, then W ← W − η·dW) for every part split.
    @Test(arguments: [1, 2, 3])
    func fusedSGDEqualsGradientsThenUpdate(parts: Int) {
        let sizes = [33, 17, 20, 7]
        let rows = 13
        func makeNetwork() -> Network {
            let network = Network(sizes: sizes, activation: .tanh, outputActivation: .identity, loss: .softmaxCrossEntropy)
            var generator = SeededGenerator(seed: 3)
            network.initialize(.he, using: &generator)
            return network
        }
        let fused = makeNetwork(), reference = makeNetwork()
        let inputs = randomFloats(rows * sizes[0], seed: 4)
        let labels = (0..<rows).map { Int32($0 % 7) }
        func load(_ workspace: NetworkWorkspace) {
            workspace.input.setValues(inputs)
            for r in 0..<rows { workspace.labels[r] = labels[r] }
        }
        let fusedWorkspace = NetworkWorkspace(network: fused, capacity: rows)
        let referenceWorkspace = NetworkWorkspace(network: reference, capacity: rows)
        load(fusedWorkspace)
        load(referenceWorkspace)
        let scratch = GEMMScratch()

        fused.forward(rows: 0..<rows, workspace: fusedWorkspace, scratch: scratch)
        fused.backwardData(rows: 0..<rows, batchSize: rows, workspace: fusedWorkspace, scratch: scratch)
        let update = ParameterUpdate(settings: OptimizerSettings(kind: .sgd), network: fused)
        for part in 0..<parts {
            update.apply(to: fused, part: part, of: parts, batchRows: rows, rate: 0.3, step: 1, workspace: fusedWorkspace, scratch: scratch)
        }
        _ = reference.computeGradients(rows: rows, workspace: referenceWorkspace, scratch: scratch)
        ReferenceOptimizer(settings: OptimizerSettings(kind: .sgd), network: reference).update(reference, rate: 0.3)

        for (a, b) in zip(fused.layers, reference.layers) {
            let w1 = a.weights.values, w2 = b.weights.values
            for i in 0..<w1.count { #expect(abs(w1[i] - w2[i]) <= 1e-6 * max(1, abs(w2[i]))) }
            let b1 = a.bias.values, b2 = b.bias.values
            for i in 0..<b1.count { #expect(abs(b1[i] - b2[i]) <= 1e-6 * max(1, abs(b2[i]))) }
        }
    }

    /// Forward with the bias and activation fused into the GEMM epilogue equals the unfused
    /// reference: a plain GEMM, then the separate bias + activation pass.
    @Test(arguments: [Activation.relu, .sigmoid, .tanh, .identity])
    func fusedEpilogueEqualsSeparatePass(activation: Activation) {
        for (rows, inputs, outputs) in [(1, 7, 17), (13, 33, 100), (32, 100, 10), (7, 784, 31)] {
            let layer = DenseLayer(inputSize: inputs, outputSize: outputs, activation: activation)
            layer.weights.setValues(randomFloats(inputs * outputs, seed: 1))
            layer.bias.setValues(randomFloats(outputs, seed: 2))
            let x = Matrix(rows: rows, cols: inputs, values: randomFloats(rows * inputs, seed: 3))
            let fused = Matrix(rows: rows, cols: outputs)
            layer.forward(input: x, output: fused, rows: 0..<rows, scratch: GEMMScratch())

            let separate = Matrix(rows: rows, cols: outputs)
            Matrix.multiply(x, layer.weights, into: separate)
            biasActivationForward(separate.base, rows: rows, cols: outputs, ldz: separate.rowStride,
                                  bias: layer.bias.base, kind: activation.kernel)
            #expect(fused.values == separate.values, "\(activation) \(rows)×\(inputs)×\(outputs)")
        }
    }
}

@Suite struct TrainingStepJobTests {
    /// The step job splits rows, then parameters, over threads; the result must be the same bits
    /// as the whole batch's forward, backward and update run by hand on one thread. 12 steps, the
    /// job on 2 threads, on layer widths that are not multiples of any panel.
    @Test func stepsOnTwoThreadsEqualTheWholeBatchOnOne() {
        func makeNetwork() -> Network {
            let network = Network(sizes: [784, 45, 70, 10], activation: .relu, outputActivation: .identity, loss: .softmaxCrossEntropy)
            var generator = SeededGenerator(seed: 5)
            network.initialize(.xavier, using: &generator)
            return network
        }
        let fast = makeNetwork(), reference = makeNetwork()
        let batch = 24
        let fastWorkspace = NetworkWorkspace(network: fast, capacity: batch)
        let referenceWorkspace = NetworkWorkspace(network: reference, capacity: batch)
        let sgd = OptimizerSettings(kind: .sgd)
        let job = TrainingStepJob(network: fast, data: smallData.train, workspace: fastWorkspace,
                                  context: ComputeContext(threads: 2), update: ParameterUpdate(settings: sgd, network: fast),
                                  profile: nil)
        let referenceUpdate = ParameterUpdate(settings: sgd, network: reference)
        let scratch = GEMMScratch()
        let order = Array((0..<(12 * batch)).reversed())
        for step in 0..<12 {
            let images = order[(step * batch)..<((step + 1) * batch)]
            _ = job.step(images, rate: 0.1, step: step + 1)
            smallData.train.gather(images, into: referenceWorkspace)
            reference.forward(rows: 0..<batch, workspace: referenceWorkspace, scratch: scratch)
            reference.backwardData(rows: 0..<batch, batchSize: batch, workspace: referenceWorkspace, scratch: scratch)
            referenceUpdate.apply(to: reference, part: 0, of: 1, batchRows: batch, rate: 0.1, step: step + 1,
                                  workspace: referenceWorkspace, scratch: scratch)
        }
        for (a, b) in zip(fast.layers, reference.layers) {
            #expect(a.weights.values == b.weights.values && a.bias.values == b.bias.values)
        }
    }
}

@Suite struct BackwardDataTests {
    /// dX, computed as dXᵀ = W·dZᵀ and transposed, holds the bits of dZ·Wᵀ summed the GEMM's way:
    /// one FMA per K step from 0 up. Awkward widths and a row range that starts mid-batch.
    @Test(arguments: [1, 7, 17, 33, 100])
    func inputGradientIsDZTimesWTransposed(inputs: Int) {
        for outputs in [1, 10, 31] {
            let layer = DenseLayer(inputSize: inputs, outputSize: outputs, activation: .identity)
            layer.weights.setValues(randomFloats(inputs * outputs, seed: UInt64(inputs * 100 + outputs)))
            let batch = 13, rows = 3..<11
            let output = Matrix(rows: batch, cols: outputs)
            let gradient = Matrix(rows: batch, cols: outputs, values: randomFloats(batch * outputs, seed: 9))
            let inputGradient = Matrix(rows: batch, cols: inputs)
            let transposed = Matrix(rows: inputs, cols: batch)
            layer.backwardData(output: output, outputGradient: gradient, inputGradient: inputGradient,
                               transposedInputGradient: transposed, rows: rows, scratch: GEMMScratch())
            var mismatches = 0
            for row in 0..<batch {
                for i in 0..<inputs {
                    var expected: Float = 0
                    if rows.contains(row) {
                        for k in 0..<outputs { expected.addProduct(gradient[row, k], layer.weights[i, k]) }
                    }
                    if inputGradient[row, i].bitPattern != expected.bitPattern { mismatches += 1 }
                }
            }
            #expect(mismatches == 0, "\(inputs)→\(outputs)")
        }
    }
}
