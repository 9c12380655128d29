import Foundation
import Testing
@testable import NNFast

@Suite struct VectorExpTests {
    @Test func relativeErrorStaysWithinTwoUlpsOverTheClampedRange() {
        // Sweep the whole range where e^x is a normal Float, densely around 0.
        var worst = 0.0
        var x = Double(vectorExpMinInput)
        while x <= Double(vectorExpMaxInput) {
            let approx = Double(scalarExp(Float(x)))
            let exact = Foundation.exp(Double(Float(x)))
            worst = max(worst, abs(approx - exact) / exact)
            x += abs(x) < 2 ? 0.000_37 : 0.011
        }
        #expect(worst < 2e-7, "max relative error \(worst)")
    }

    @Test func extremeInputsStayFiniteAndOrdered() {
        let inputs: [Float] = [-1e30, -1000, -88, 88.5, 1000, 1e30, -.infinity, .infinity]
        for x in inputs {
            let value = scalarExp(x)
            #expect(value.isFinite && value > 0, "exp(\(x)) = \(value)")
        }
        #expect(scalarExp(-1000) < 1e-37 && scalarExp(1000) > 1e38)
    }
}

/// Scalar definitions of the activations, for comparison with the SIMD kernels.
func referenceActivation(_ kind: ActivationKernel, _ z: Double) -> Double {
    switch kind {
    case .identity: z
    case .relu: max(z, 0)
    case .sigmoid: 1 / (1 + Foundation.exp(-z))
    case .tanh: Foundation.tanh(z)
    }
}

@Suite struct ActivationKernelTests {
    static let kinds: [ActivationKernel] = [.identity, .relu, .sigmoid, .tanh]

    @Test(arguments: kinds)
    func fusedBiasActivationMatchesScalarDefinition(kind: ActivationKernel) {
        for cols in [1, 7, 16, 17, 33, 100] {
            let rows = 3
            let z = randomFloats(rows * cols, seed: UInt64(cols), range: -6...6)
            let bias = randomFloats(cols, seed: 7, range: -1...1)
            var out = z
            out.withUnsafeMutableBufferPointer { o in
                bias.withUnsafeBufferPointer { b in
                    biasActivationForward(o.baseAddress!, rows: rows, cols: cols, ldz: cols, bias: b.baseAddress!, kind: kind)
                }
            }
            for i in 0..<rows {
                for j in 0..<cols {
                    let expected = referenceActivation(kind, Double(z[i * cols + j]) + Double(bias[j]))
                    #expect(abs(Double(out[i * cols + j]) - expected) <= 3e-7 * max(1, abs(expected)))
                }
            }
        }
    }

    @Test(arguments: kinds)
    func saturatesWithoutNaN(kind: ActivationKernel) {
        var z: [Float] = [-1e30, -1e4, -100, 100, 1e4, 1e30, 0, -0.0]
        let zero = [Float](repeating: 0, count: z.count)
        z.withUnsafeMutableBufferPointer { o in
            zero.withUnsafeBufferPointer { b in
                biasActivationForward(o.baseAddress!, rows: 1, cols: 8, ldz: 8, bias: b.baseAddress!, kind: kind)
            }
        }
        #expect(z.allSatisfy { !$0.isNaN })
        if kind == .sigmoid { #expect(z[0] >= 0 && z[0] < 1e-30 && z[5] == 1) }
        if kind == .tanh { #expect(z[0] == -1 && z[5] == 1 && z[6] == 0) }
    }

    @Test(arguments: kinds)
    func derivativeMatchesDefinitionInTermsOfOutput(kind: ActivationKernel) {
        for count in [1, 15, 16, 17, 100] {
            let a = randomFloats(count, seed: 3, range: kind == .identity || kind == .relu ? -2...2 : 0.01...0.99)
            let g = randomFloats(count, seed: 4)
            var out = g
            out.withUnsafeMutableBufferPointer { o in
                a.withUnsafeBufferPointer { activationBackward(o.baseAddress!, output: $0.baseAddress!, count: count, kind: kind) }
            }
            for i in 0..<count {
                let derivative: Float = switch kind {
                case .identity: 1
                case .relu: a[i] > 0 ? 1 : 0
                case .sigmoid: a[i] * (1 - a[i])
                case .tanh: 1 - a[i] * a[i]
                }
                #expect(abs(out[i] - g[i] * derivative) <= 1e-6)
            }
        }
    }

    /// The vector u8 → Float conversion (16 lanes at a time, then a scalar tail) against the
    /// scalar formula, bit for bit: every byte value (784), lengths around the vector width, the
    /// default scale and MNIST's mean/deviation normalization.
    @Test(arguments: [1, 7, 15, 16, 17, 31, 33, 100, 784])
    func pixelConversionMatchesTheScalarFormula(count: Int) {
        // 37 is odd, so 256 consecutive indices give every byte value.
        let pixels = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for (scale, offset) in [(Float(1) / 255, Float(0)), (1 / (255 * 0.3081), -0.1307 / 0.3081)] {
            var out = [Float](repeating: .nan, count: pixels.count + 1)
            pixels.withUnsafeBufferPointer { source in
                out.withUnsafeMutableBufferPointer {
                    convertPixels(source.baseAddress!, count: pixels.count, scale: scale, offset: offset, into: $0.baseAddress!)
                }
            }
            #expect(zip(pixels, out).allSatisfy { $1 == offset.addingProduct(Float($0), scale) })
            #expect(out[pixels.count].isNaN)  // nothing written past the end
        }
    }

    @Test func columnSumsMatchLoopsForAnyColumnBlock() {
        let rows = 5, cols = 37
        let x = randomFloats(rows * cols, seed: 11)
        for columns in [0..<cols, 16..<37, 0..<16, 7..<8] {
            var sums = [Float](repeating: -1, count: cols)
            x.withUnsafeBufferPointer { x in
                sums.withUnsafeMutableBufferPointer {
                    columnSums(x.baseAddress!, rows: rows, ld: cols, columns: columns, into: $0.baseAddress!)
                }
            }
            for j in 0..<cols {
                var expected: Float = 0
                for i in 0..<rows { expected += x[i * cols + j] }
                // Same order of additions: bitwise equal; columns outside the block untouched.
                #expect(sums[j] == (columns.contains(j) ? expected : -1))
            }
        }
    }

    /// The fused SGD step's bias half on blocks of every width it splits into (16, 8, 4 and
    /// single columns, and their mixes), against a plain loop over the rows in order.
    @Test func subtractScaledColumnSumsMatchesTheLoopOnRaggedBlocks() {
        let rows = 33, cols = 211, rate: Float = 0.07
        let x = randomFloats(rows * cols, seed: 12)
        let start = randomFloats(cols, seed: 13)
        for columns in [0..<cols, 0..<1, 3..<10, 96..<200, 0..<17, 5..<36, 100..<131, 7..<8, 180..<211, 9..<9] {
            var bias = start
            x.withUnsafeBufferPointer { x in
                bias.withUnsafeMutableBufferPointer {
                    subtractScaledColumnSums(x.baseAddress!, rows: rows, ld: cols, columns: columns,
                                             learningRate: rate, bias: $0.baseAddress!)
                }
            }
            for j in 0..<cols {
                var sum: Float = 0
                for i in 0..<rows { sum += x[i * cols + j] }
                // Same additions in the same order: bitwise equal; columns outside untouched.
                #expect(bias[j] == (columns.contains(j) ? start[j] - rate * sum : start[j]), "column \(j) of \(columns)")
            }
        }
    }
}

@Suite struct LossKernelTests {
    /// Smoothed targets t = (1 − ε)·onehot + ε/K: loss −Σ t·log softmax(z), gradient softmax − t.
    @Test func labelSmoothingMatchesTheSmoothedTargetsInDouble() {
        let rows = 3, cols = 10, epsilon: Float = 0.1
        let logits = randomFloats(rows * cols, seed: 22, range: -4...4)
        let labels: [Int32] = [1, 9, 0]
        var gradient = [Float](repeating: 0, count: rows * cols)
        var losses = [Double](repeating: 0, count: rows)
        logits.withUnsafeBufferPointer { z in
            labels.withUnsafeBufferPointer { y in
                gradient.withUnsafeMutableBufferPointer { g in
                    losses.withUnsafeMutableBufferPointer { l in
                        softmaxCrossEntropyKernel(logits: z.baseAddress!, rows: rows, cols: cols, ld: cols, labels: y.baseAddress!,
                                                  gradient: g.baseAddress!, scale: 0.5, losses: l.baseAddress!, smoothing: epsilon)
                    }
                }
            }
        }
        for i in 0..<rows {
            let row = (0..<cols).map { Double(logits[i * cols + $0]) }
            let m = row.max()!
            let logSum = m + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) })
            var expectedLoss = 0.0
            for j in 0..<cols {
                let target = (j == Int(labels[i]) ? 1 - Double(epsilon) : 0) + Double(epsilon) / Double(cols)
                expectedLoss -= target * (row[j] - logSum)
                let expected = (Foundation.exp(row[j] - logSum) - target) * 0.5
                #expect(abs(Double(gradient[i * cols + j]) - expected) <= 1e-7)
            }
            #expect(abs(losses[i] - expectedLoss) <= 1e-5 * max(1, expectedLoss))
        }
    }

    @Test func softmaxCrossEntropyMatchesDoubleReferenceAndSurvivesHugeLogits() {
        let rows = 4, cols = 10
        var logits = randomFloats(rows * cols, seed: 21, range: -5...5)
        logits[3] = 1e4  // row 0 has a huge logit: must not overflow
        logits[cols + 1] = -1e4
        let labels: [Int32] = [3, 2, 9, 0]
        var gradient = [Float](repeating: 0, count: rows * cols)
        var losses = [Double](repeating: 0, count: rows)
        logits.withUnsafeBufferPointer { z in
            labels.withUnsafeBufferPointer { y in
                gradient.withUnsafeMutableBufferPointer { g in
                    losses.withUnsafeMutableBufferPointer { l in
                        softmaxCrossEntropyKernel(logits: z.baseAddress!, rows: rows, cols: cols, ld: cols,
                                                  labels: y.baseAddress!, gradient: g.baseAddress!, scale: 0.25,
                                                  losses: l.baseAddress!)
                    }
                }
            }
        }
        let total = losses.reduce(0, +)
        var expectedTotal = 0.0
        for i in 0..<rows {
            let row = (0..<cols).map { Double(logits[i * cols + $0]) }
            let m = row.max()!
            let sum = row.reduce(0) { $0 + Foundation.exp($1 - m) }
            expectedTotal += m + Foundation.log(sum) - row[Int(labels[i])]
            for j in 0..<cols {
                let p = Foundation.exp(row[j] - m) / sum
                let expected = (p - (j == Int(labels[i]) ? 1 : 0)) * 0.25
                #expect(abs(Double(gradient[i * cols + j]) - expected) <= 1e-7)
            }
        }
        #expect(total.isFinite && abs(total - expectedTotal) <= 1e-5 * max(1, expectedTotal))
    }
}
