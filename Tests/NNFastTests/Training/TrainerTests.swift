import Testing
@testable import NNFast

/// The small fixture, loaded once for every training test.
let smallData = try! DatasetFolder.load(smallMNIST)

func smallOptions() -> TrainingOptions {
    var options = TrainingOptions()
    options.layers = [784, 32, 10]
    options.epochs = 3
    options.validationCount = 500
    return options
}

@Suite struct TrainerTests {
    @Test func shortRunOnTheSmallFixtureLearnsFarAboveChance() throws {
        let trainer = try Trainer(options: smallOptions(), data: smallData)
        let reports = trainer.run()
        #expect(reports.count == 3)
        #expect(reports[2].trainLoss < reports[0].trainLoss)
        // Chance is 10%; 1,500 images × 3 epochs of this recipe reach ~85% here.
        #expect(reports[2].testAccuracy > 0.75, "test accuracy \(reports[2].testAccuracy)")
        #expect((reports[2].validationAccuracy ?? 0) > 0.75)
        #expect(trainer.trainingCount == 1500 && trainer.validationCount == 500)
    }

    @Test func theSameSeedGivesTheSameRunAndAnotherSeedDoesNot() throws {
        var options = smallOptions()
        options.epochs = 1
        let first = try Trainer(options: options, data: smallData)
        let second = try Trainer(options: options, data: smallData)
        options.seed = 43
        let third = try Trainer(options: options, data: smallData)
        let reports = [first.run(), second.run(), third.run()]
        #expect(first.network.layers[0].weights.values == second.network.layers[0].weights.values)
        #expect(reports[0][0].trainLoss == reports[1][0].trainLoss)
        #expect(first.network.layers[0].weights.values != third.network.layers[0].weights.values)
    }

    @Test func threadCountDoesNotChangeTheResult() throws {
        var options = smallOptions()
        options.epochs = 1
        options.batchSize = 500  // big enough that the GEMMs really fork
        options.layers = [784, 64, 10]
        let one = try Trainer(options: options, data: smallData)
        options.threads = 2
        let two = try Trainer(options: options, data: smallData)
        _ = one.run()
        _ = two.run()
        for (a, b) in zip(one.network.layers, two.network.layers) {
            #expect(a.weights.values == b.weights.values && a.bias.values == b.bias.values)
        }
    }

    /// Same seed and flags, 1 or 2 threads: the same metrics and the same saved bytes, with an
    /// optimizer with state, weight decay, a warm-up and schedule, label smoothing, elastic
    /// augmentation, dropout and best-epoch keeping all on. (Batch 50 splits rows and parameter blocks unevenly over 2 threads.
    /// Its 60 steps on two threads include `ParallelSpeedCheck`'s calibration window, run on one.)
    @Test(arguments: [OptimizerKind.nesterov, .adam])
    func threadCountDoesNotChangeAnyRecipe(kind: OptimizerKind) throws {
        var options = statefulOptions(kind)
        options.labelSmoothing = 0.1
        options.epochs = 2
        var runs: [(reports: [EpochReport], bytes: [UInt8])] = []
        for threads in [1, 2] {
            options.threads = threads
            let trainer = try Trainer(options: options, data: smallData)
            let reports = trainer.run()
            runs.append((reports, trainer.modelFile(after: reports.last, metadata: ["fixed": "1"]).encoded()))
        }
        #expect(runs[0].reports.map(\.trainLoss) == runs[1].reports.map(\.trainLoss))
        #expect(runs[0].reports.map(\.validationAccuracy) == runs[1].reports.map(\.validationAccuracy))
        #expect(runs[0].bytes == runs[1].bytes)
    }

    @Test(arguments: [(Activation.sigmoid, Loss.meanSquaredError), (.tanh, .sigmoidCrossEntropy), (.relu, .meanSquaredError)])
    func nonDefaultPathsTrain(activation: Activation, loss: Loss) throws {
        var options = smallOptions()
        options.activation = activation
        options.loss = loss
        options.layers = [784, 16, 10]
        options.batchSize = 16
        options.learningRate = loss == .meanSquaredError ? 1.0 : 0.5
        let reports = try Trainer(options: options, data: smallData).run()
        #expect(reports.last!.testAccuracy > 0.6, "\(activation)/\(loss): \(reports.last!.testAccuracy)")
    }

    @Test func partialLastBatchIsTrainedOn() throws {
        var options = smallOptions()
        options.epochs = 1
        options.batchSize = 1000  // 1,500 training images: one full batch and one of 500
        let trainer = try Trainer(options: options, data: smallData)
        var progress: [Int] = []
        let reports = trainer.run { if case .epochFinished(let r) = $0 { progress.append(r.samples) } }
        #expect(progress == [1500] && reports[0].samples == 1500)
    }
}

@Suite struct TrainingOptionsTests {
    @Test func badNumbersAreUsageErrorsNamingTheOption() {
        var options = TrainingOptions()
        options.epochs = 0
        expectError("--epochs: must be at least 1") { try options.validate() }
        options = TrainingOptions(); options.batchSize = -3
        expectError("--batch: must be at least 1, found -3") { try options.validate() }
        options = TrainingOptions(); options.learningRate = 0
        expectError("--lr: must be a positive number") { try options.validate() }
        options = TrainingOptions(); options.learningRate = .nan
        expectError("--lr") { try options.validate() }
        options = TrainingOptions(); options.layers = [784]
        expectError("--layers: needs at least") { try options.validate() }
        options = TrainingOptions(); options.layers = [784, 0, 10]
        expectError("layer sizes must be positive") { try options.validate() }
        options = TrainingOptions(); options.outputActivation = .sigmoid
        expectError("--output-activation") { try options.validate() }
        options = TrainingOptions(); options.validationCount = -1
        expectError("--validation") { try options.validate() }
        do { try options.validate() } catch { #expect(error.kind == .usage) }
    }

    @Test func layersMustFitTheData() {
        var options = smallOptions()
        options.layers = [785, 10]
        expectError("--layers: starts with 785 but the images have 784 pixels (28×28)") { try options.check(against: smallData) }
        options.layers = [784, 12]
        expectError("--layers: ends with 12 outputs but the labels go up to 9") { try options.check(against: smallData) }
        options.layers = [784, 7]
        expectError("train-labels-idx1-ubyte.gz: label 9 at index 4 is outside the network's class range 0...6") { try options.check(against: smallData) }
        options.layers = [784, 10]
        options.validationCount = 2000
        expectError("--validation: holds out 2000 images but the training set has only 2000") { try options.check(against: smallData) }
    }
}
