import Foundation
import Testing
@testable import NNFast

/// An independent float64 forward pass + loss over the engine's parameters, written from the
/// definitions (not from the engine's code), used for central finite differences.
struct ReferenceNetwork {
    var weights: [[Double]]  // layer l: in×out row-major
    var biases: [[Double]]
    let sizes: [Int]
    let activations: [Activation]
    let loss: Loss

    init(_ network: Network) {
        sizes = network.sizes
        weights = network.layers.map { $0.weights.values.map(Double.init) }
        biases = network.layers.map { $0.bias.values.map(Double.init) }
        activations = network.layers.map(\.activation)
        loss = network.loss
    }

    static func apply(_ activation: Activation, _ z: Double) -> Double {
        switch activation {
        case .identity: z
        case .relu: max(z, 0)
        case .sigmoid: 1 / (1 + exp(-z))
        case .tanh: tanh(z)
        }
    }

    /// Mean loss over the rows of `inputs` (rows × sizes[0]).
    func meanLoss(inputs: [Double], labels: [Int]) -> Double {
        let rows = labels.count
        var total = 0.0
        for r in 0..<rows {
            var x = Array(inputs[(r * sizes[0])..<((r + 1) * sizes[0])])
            for l in 0..<weights.count {
                let n = sizes[l + 1]
                var z = biases[l]
                for i in 0..<sizes[l] { for j in 0..<n { z[j] += x[i] * weights[l][i * n + j] } }
                x = z.map { Self.apply(activations[l], $0) }
            }
            let y = labels[r]
            switch loss {
            case .softmaxCrossEntropy:
                let m = x.max()!
                total += m + log(x.reduce(0) { $0 + exp($1 - m) }) - x[y]
            case .meanSquaredError:
                total += 0.5 * x.enumerated().reduce(0) { $0 + pow($1.element - ($1.offset == y ? 1 : 0), 2) }
            case .sigmoidCrossEntropy:
                for (j, z) in x.enumerated() {
                    let t = j == y ? 1.0 : 0.0
                    total += -(t * log(1 / (1 + exp(-z))) + (1 - t) * log(1 - 1 / (1 + exp(-z))))
                }
            }
        }
        return total / Double(rows)
    }
}

@Suite struct GradientCheckTests {
    static let combinations: [(Activation, Loss)] = Activation.allCases.flatMap { a in Loss.allCases.map { (a, $0) } }

    /// The engine's float32 backward pass against central differences (h = 1e-5) of the float64
    /// reference. The float64 differences are accurate to ~1e-10, so what remains is float32
    /// rounding in the analytic gradient: a few ulps per operation over short sums, well under
    /// the bound |Δ| ≤ 2e-3·|g| + 2e-5 used here.
    @Test(arguments: combinations)
    func backwardMatchesFiniteDifferences(activation: Activation, loss: Loss) throws {
        let sizes = [6, 5, 4, 3]
        let rows = 4
        // MSE is checked with the hidden activation at the output too, so every activation's
        // derivative is exercised on the output layer as well as the hidden ones.
        let output = loss.takesLogits ? Activation.identity : activation
        let network = Network(sizes: sizes, activation: activation, outputActivation: output, loss: loss)
        var generator = SeededGenerator(seed: 7)
        network.initialize(.gaussian, using: &generator)
        for layer in network.layers {  // keep pre-activations away from ReLU's kink at 0
            for i in 0..<layer.bias.count { layer.bias[0, i] += 0.05 }
        }
        let inputs = randomFloats(rows * sizes[0], seed: 8, range: -1...1)
        let labels = [0, 2, 1, 2]

        let workspace = NetworkWorkspace(network: network, capacity: rows)
        for r in 0..<rows {
            for c in 0..<sizes[0] { workspace.input[r, c] = inputs[r * sizes[0] + c] }
            workspace.labels[r] = Int32(labels[r])
        }
        let engineLoss = network.computeGradients(rows: rows, workspace: workspace, scratch: GEMMScratch()) / Double(rows)

        var reference = ReferenceNetwork(network)
        let doubleInputs = inputs.map(Double.init)
        let referenceLoss = reference.meanLoss(inputs: doubleInputs, labels: labels)
        #expect(abs(engineLoss - referenceLoss) <= 1e-5 * max(1, abs(referenceLoss)), "forward losses differ")

        let h = 1e-5
        var worst = 0.0
        /// Central differences over every entry of `parameters` against `analytic`.
        func compare(_ parameters: WritableKeyPath<ReferenceNetwork, [[Double]]>, layer l: Int, analytic: [Float]) {
            for index in 0..<reference[keyPath: parameters][l].count {
                let saved = reference[keyPath: parameters][l][index]
                reference[keyPath: parameters][l][index] = saved + h
                let plus = reference.meanLoss(inputs: doubleInputs, labels: labels)
                reference[keyPath: parameters][l][index] = saved - h
                let minus = reference.meanLoss(inputs: doubleInputs, labels: labels)
                reference[keyPath: parameters][l][index] = saved
                let numeric = (plus - minus) / (2 * h)
                worst = max(worst, abs(Double(analytic[index]) - numeric) / (2e-3 * abs(numeric) + 2e-5))
            }
        }
        for (l, layer) in network.layers.enumerated() {
            compare(\.weights, layer: l, analytic: layer.weightGradient.values)
            compare(\.biases, layer: l, analytic: layer.biasGradient.values)
        }
        #expect(worst <= 1, "\(activation)/\(loss): gradient error \(worst)× the bound")
    }

    /// A deliberately broken gradient must fail the same comparison: the check has teeth.
    @Test func theCheckDetectsAWrongGradient() {
        let network = Network(sizes: [3, 2], activation: .relu, outputActivation: .identity, loss: .softmaxCrossEntropy)
        var generator = SeededGenerator(seed: 1)
        network.initialize(.gaussian, using: &generator)
        let workspace = NetworkWorkspace(network: network, capacity: 1)
        workspace.input.setValues([0.5, -0.2, 0.9])
        workspace.labels[0] = 1
        _ = network.computeGradients(rows: 1, workspace: workspace, scratch: GEMMScratch())
        var reference = ReferenceNetwork(network)
        let h = 1e-5
        let saved = reference.weights[0][0]
        reference.weights[0][0] = saved + h
        let plus = reference.meanLoss(inputs: [0.5, -0.2, 0.9], labels: [1])
        reference.weights[0][0] = saved - h
        let minus = reference.meanLoss(inputs: [0.5, -0.2, 0.9], labels: [1])
        let numeric = (plus - minus) / (2 * h)
        let analytic = Double(network.layers[0].weightGradient[0, 0])
        #expect(abs(analytic - numeric) <= 2e-3 * abs(numeric) + 2e-5)
        #expect(abs(analytic * 1.01 - numeric) > 2e-3 * abs(numeric) + 2e-5)
    }
}

@Suite struct SeededGeneratorTests {
    @Test func sameSeedSameStreamDifferentSeedDifferentStream() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
    }

    @Test func gaussianHasUnitMomentsAndUniformIsInRange() {
        var generator = SeededGenerator(seed: 5)
        let samples = (0..<200_000).map { _ in generator.nextGaussian() }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count)
        #expect(abs(mean) < 0.01 && abs(variance - 1) < 0.02)
        for _ in 0..<10_000 {
            let u = generator.nextUniform()
            #expect(u >= 0 && u < 1)
            #expect((0..<7).contains(generator.nextInt(below: 7)))
        }
    }

    @Test func shuffleIsAPermutation() {
        var generator = SeededGenerator(seed: 9)
        var values = Array(0..<1000)
        generator.shuffle(&values)
        #expect(values != Array(0..<1000) && values.sorted() == Array(0..<1000))
    }
}
