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

private func settings(_ kind: OptimizerKind, weightDecay: Float) -> OptimizerSettings {
    var s = OptimizerSettings(kind: kind)
    s.weightDecay = weightDecay
    s.momentum = 0.85
    return s
}

private let rules: [(OptimizerKind, Float)] = [
    (.sgd, 0), (.sgd, 0.01), (.momentum, 0), (.momentum, 0.02), (.nesterov, 0.01), (.adam, 0), (.adam, 0.01), (.adamw, 0.05),
]

@Suite struct OptimizerTests {
    /// The engine's step (gradients per block of rows, fused kernels, or SGD's fused GEMM) equals
    /// the textbook formulas over five steps with changing rates, for every part split.
    @Test(arguments: rules)
    func updateEqualsThePlainReference(kind: OptimizerKind, weightDecay: Float) {
        for parts in [1, 2, 3] {
            let engine = Fixture(), reference = Fixture()
            let s = settings(kind, weightDecay: weightDecay)
            let update = ParameterUpdate(settings: s, network: engine.network)
            let plain = ReferenceOptimizer(settings: s, network: reference.network)
            let scratch = GEMMScratch()
            for step in 1...5 {
                let rate: Float = (kind.isAdam ? 0.01 : 0.2) / Float(step)
                engine.load(step: step)
                engine.network.forward(rows: 0..<Fixture.rows, workspace: engine.workspace, scratch: scratch)
                engine.network.backwardData(rows: 0..<Fixture.rows, batchSize: Fixture.rows, workspace: engine.workspace, scratch: scratch)
                for part in 0..<parts {
                    update.apply(to: engine.network, part: part, of: parts, batchRows: Fixture.rows, rate: rate, step: step,
                                 workspace: engine.workspace, scratch: scratch)
                }
                reference.load(step: step)
                _ = reference.network.computeGradients(rows: Fixture.rows, workspace: reference.workspace, scratch: scratch)
                plain.update(reference.network, rate: rate)
            }
            for (a, b) in zip(engine.network.layers, reference.network.layers) {
                for (x, y) in zip(a.weights.values + a.bias.values, b.weights.values + b.bias.values) {
                    #expect(abs(x - y) <= 2e-6 * max(1, abs(y)), "\(kind) λ \(weightDecay), \(parts) parts: \(x) vs \(y)")
                }
            }
        }
    }

    /// Any split of the parameters over threads gives the same bits, state included.
    @Test(arguments: rules)
    func partSplitDoesNotChangeTheBits(kind: OptimizerKind, weightDecay: Float) {
        var results: [[Float]] = []
        for parts in [1, 2, 3, 5] {
            let fixture = Fixture()
            let update = ParameterUpdate(settings: settings(kind, weightDecay: weightDecay), network: fixture.network)
            let scratch = GEMMScratch()
            for step in 1...3 {
                fixture.load(step: step)
                fixture.network.forward(rows: 0..<Fixture.rows, workspace: fixture.workspace, scratch: scratch)
                fixture.network.backwardData(rows: 0..<Fixture.rows, batchSize: Fixture.rows, workspace: fixture.workspace, scratch: scratch)
                for part in 0..<parts {
                    update.apply(to: fixture.network, part: part, of: parts, batchRows: Fixture.rows, rate: 0.01, step: step,
                                 workspace: fixture.workspace, scratch: scratch)
                }
            }
            results.append(fixture.network.layers.flatMap { $0.weights.values + $0.bias.values }
                           + update.state.namedTensors.flatMap { $0.matrix.values })
        }
        #expect(results.allSatisfy { $0 == results[0] })
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
