import Testing
@testable import NNFast

/// A small network and batch for the optimizer tests: awkward sizes (ragged panels, a 7-wide
/// output), tanh so no gradient is exactly zero.
private struct Fixture {
    static let sizes = [33, 17, 20, 7]
    static let rows = 13
    let network: Network
    let workspace: NetworkWorkspace

    init() {
        network = Network(sizes: Self.sizes, activation: .tanh, outputActivation: .identity, loss: .softmaxCrossEntropy)
        var generator = SeededGenerator(seed: 3)
        network.initialize(.he, using: &generator)
        workspace = NetworkWorkspace(network: network, capacity: Self.rows)
    }

    /// Loads step `step`'s batch: different inputs each step, so the state really accumulates.
    func load(step: Int) {
        workspace.input.setValues(randomFloats(Self.rows * Self.sizes[0], seed: 100 + UInt64(step)))
        for r in 0..<Self.rows { workspace.labels[r] = Int32((r + step) % 7) }
    }
}

/// A rule, its weight decay, and the clipping and max-norm limits (0: off). The limits bind on
/// this fixture (`theLimitsBind` checks that they change the result).
private func settings(_ kind: OptimizerKind, weightDecay: Float, clip: Float = 0, maxNorm: Float = 0) -> OptimizerSettings {
    var s = OptimizerSettings(kind: kind)
    s.weightDecay = weightDecay
    s.momentum = 0.85
    s.clipNorm = clip > 0 ? clip : nil
    s.maxNorm = maxNorm > 0 ? maxNorm : nil
    return s
}

private let rules: [(OptimizerKind, Float, Float, Float)] = [
    (.sgd, 0, 0, 0), (.sgd, 0.01, 0, 0), (.momentum, 0, 0, 0), (.momentum, 0.02, 0, 0), (.nesterov, 0.01, 0, 0),
    (.adam, 0, 0, 0), (.adam, 0.01, 0, 0), (.adamw, 0.05, 0, 0),
    (.sgd, 0, 0.1, 0), (.nesterov, 0, 0.1, 0.9), (.adamw, 0.01, 0.1, 0.9), (.sgd, 0, 0, 0.9),
]

/// Runs `steps` steps of the engine's update on `fixture` split in `parts` (with the extra
/// phases of clipping and max-norm in their order); returns the update.
private func runSteps(_ fixture: Fixture, _ s: OptimizerSettings, parts: Int, steps: ClosedRange<Int>,
                      rate: (Int) -> Float, after: (Int) -> Void = { _ in }) -> ParameterUpdate {
    let update = ParameterUpdate(settings: s, network: fixture.network)
    let scratch = GEMMScratch()
    for step in steps {
        fixture.load(step: step)
        fixture.network.forward(rows: 0..<Fixture.rows, workspace: fixture.workspace, scratch: scratch)
        fixture.network.backwardData(rows: 0..<Fixture.rows, batchSize: Fixture.rows, workspace: fixture.workspace, scratch: scratch)
        if update.clips {
            for part in 0..<parts {
                update.computeGradients(of: fixture.network, part: part, of: parts, batchRows: Fixture.rows,
                                        workspace: fixture.workspace, scratch: scratch)
            }
        }
        for part in 0..<parts {
            update.apply(to: fixture.network, part: part, of: parts, batchRows: Fixture.rows, rate: rate(step), step: step,
                         workspace: fixture.workspace, scratch: scratch)
        }
        for part in 0..<parts { update.constrain(fixture.network, part: part, of: parts) }
        after(step)
    }
    return update
}

@Suite struct OptimizerTests {
    /// The engine's step (gradients per block of rows, fused kernels, or SGD's fused GEMM) equals
    /// the textbook formulas over five steps with changing rates, for every part split.
    @Test(arguments: rules)
    func updateEqualsThePlainReference(kind: OptimizerKind, weightDecay: Float, clip: Float, maxNorm: Float) {
        for parts in [1, 2, 3] {
            let engine = Fixture(), reference = Fixture()
            let s = settings(kind, weightDecay: weightDecay, clip: clip, maxNorm: maxNorm)
            let plain = ReferenceOptimizer(settings: s, network: reference.network)
            let scratch = GEMMScratch()
            let rate = { (step: Int) -> Float in (kind.isAdam ? 0.01 : 0.2) / Float(step) }
            _ = runSteps(engine, s, parts: parts, steps: 1...5, rate: rate) { step in
                reference.load(step: step)
                _ = reference.network.computeGradients(rows: Fixture.rows, workspace: reference.workspace, scratch: scratch)
                plain.update(reference.network, rate: rate(step))
            }
            for (a, b) in zip(engine.network.layers, reference.network.layers) {
                for (x, y) in zip(a.weights.values + a.bias.values, b.weights.values + b.bias.values) {
                    #expect(abs(x - y) <= 2e-6 * max(1, abs(y)), "\(kind) λ \(weightDecay) clip \(clip) max-norm \(maxNorm), \(parts) parts: \(x) vs \(y)")
                }
            }
            if maxNorm > 0 {  // the constraint holds afterwards
                for layer in engine.network.layers {
                    for j in 0..<layer.outputSize {
                        let norm = (0..<layer.inputSize).reduce(Float(0)) { $0 + layer.weights[$1, j] * layer.weights[$1, j] }.squareRoot()
                        #expect(norm <= maxNorm * (1 + 1e-5))
                    }
                }
            }
        }
    }

    /// Any split of the parameters over threads gives the same bits, state included.
    @Test(arguments: rules)
    func partSplitDoesNotChangeTheBits(kind: OptimizerKind, weightDecay: Float, clip: Float, maxNorm: Float) {
        var results: [[Float]] = []
        for parts in [1, 2, 3, 5] {
            let fixture = Fixture()
            let update = runSteps(fixture, settings(kind, weightDecay: weightDecay, clip: clip, maxNorm: maxNorm),
                                  parts: parts, steps: 1...3, rate: { _ in 0.01 })
            results.append(fixture.network.layers.flatMap { $0.weights.values + $0.bias.values }
                           + update.state.namedTensors.flatMap { $0.matrix.values })
        }
        #expect(results.allSatisfy { $0 == results[0] })
    }

    /// Clipping at 0.1 and max-norm at 0.9 really act on this fixture, so the tests above compare
    /// something: each changes the weights.
    @Test func theLimitsBind() {
        func weights(_ s: OptimizerSettings) -> [Float] {
            let fixture = Fixture()
            _ = runSteps(fixture, s, parts: 1, steps: 1...2, rate: { _ in 0.2 })
            return fixture.network.layers.flatMap(\.weights.values)
        }
        let free = weights(settings(.sgd, weightDecay: 0))
        #expect(weights(settings(.sgd, weightDecay: 0, clip: 0.1)) != free)
        #expect(weights(settings(.sgd, weightDecay: 0, maxNorm: 0.9)) != free)
    }

    /// The kernels keep the zero padding of every row at zero (GEMM reads it in place).
    @Test(arguments: [OptimizerKind.momentum, .adamw])
    func paddingStaysZero(kind: OptimizerKind) {
        let fixture = Fixture()
        let update = ParameterUpdate(settings: settings(kind, weightDecay: 0.1), network: fixture.network)
        let scratch = GEMMScratch()
        fixture.load(step: 1)
        fixture.network.forward(rows: 0..<Fixture.rows, workspace: fixture.workspace, scratch: scratch)
        fixture.network.backwardData(rows: 0..<Fixture.rows, batchSize: Fixture.rows, workspace: fixture.workspace, scratch: scratch)
        update.apply(to: fixture.network, part: 0, of: 1, batchRows: Fixture.rows, rate: 0.1, step: 1,
                     workspace: fixture.workspace, scratch: scratch)
        for layer in fixture.network.layers {
            for matrix in [layer.weights, layer.bias] {
                for row in 0..<matrix.rows {
                    for column in matrix.cols..<matrix.rowStride { #expect(matrix.base[row * matrix.rowStride + column] == 0) }
                }
            }
        }
    }

    @Test func settingsOutOfRangeAreUsageErrors() {
        var s = OptimizerSettings(kind: .momentum)
        s.momentum = 1
        expectError("--momentum: must be in [0, 1)") { try s.validate() }
        s = OptimizerSettings(kind: .adam); s.beta2 = -0.1
        expectError("--beta2") { try s.validate() }
        s = OptimizerSettings(kind: .adam); s.epsilon = 0
        expectError("--epsilon") { try s.validate() }
        s = OptimizerSettings(); s.weightDecay = -1
        expectError("--weight-decay") { try s.validate() }
        s = OptimizerSettings(); s.clipNorm = 0
        expectError("--clip-norm: must be a positive number") { try s.validate() }
        s = OptimizerSettings(); s.maxNorm = .infinity
        expectError("--max-norm") { try s.validate() }
    }
}

@Suite struct LearningRateScheduleTests {
    /// 10 epochs of 100 steps, peak 0.5.
    func rates(_ schedule: LearningRateSchedule, at steps: [Int]) -> [Float] {
        steps.map { schedule.rate(step: $0, totalSteps: 1000, stepsPerEpoch: 100, peak: 0.5) }
    }

    @Test func eachShapeGivesTheRatesOfItsFormula() {
        #expect(rates(LearningRateSchedule(.constant), at: [0, 500, 999]) == [0.5, 0.5, 0.5])
        #expect(rates(LearningRateSchedule(.linear), at: [0, 500, 999]) == [0.5, 0.25, 0.0005])
        let cosine = rates(LearningRateSchedule(.cosine), at: [0, 250, 500, 750])
        #expect(cosine[0] == 0.5 && cosine[2] == 0.25)
        let root = Float(0.5).squareRoot()  // cos(π/4)
        let quarter: Float = 0.25 * (1 + root), threeQuarters: Float = 0.25 * (1 - root)
        #expect(abs(cosine[1] - quarter) < 1e-7)
        #expect(abs(cosine[3] - threeQuarters) < 1e-7)
        var step = LearningRateSchedule(.step)
        step.stepEpochs = 3
        step.stepFactor = 0.1
        let stepped = rates(step, at: [0, 299, 300, 599, 600, 999])
        #expect(stepped[0] == 0.5 && stepped[1] == 0.5)
        #expect(abs(stepped[2] - 0.05) < 1e-8 && abs(stepped[3] - 0.05) < 1e-8)
        #expect(abs(stepped[4] - 0.005) < 1e-9 && abs(stepped[5] - 0.0005) < 1e-10)
    }

    @Test func warmUpRisesLinearlyThenTheShapeRunsOverTheRest() {
        var schedule = LearningRateSchedule(.linear)
        schedule.warmupEpochs = 2  // 200 steps
        let r = rates(schedule, at: [0, 99, 199, 200, 600, 999])
        #expect(r[0] == 0.5 / 200 && r[1] == 0.25 && r[2] == 0.5)
        #expect(r[3] == 0.5 && r[4] == 0.25 && r[5] == 0.5 / 800)
    }

    @Test func badSchedulesAreUsageErrors() {
        var s = LearningRateSchedule(.step)
        s.stepEpochs = 0
        expectError("--step-epochs") { try s.validate() }
        s = LearningRateSchedule(.step); s.stepFactor = 2
        expectError("--step-factor") { try s.validate() }
        s = LearningRateSchedule(); s.warmupEpochs = -1
        expectError("--warmup") { try s.validate() }
    }
}
