import Testing
@testable import NNFast

/// The recipe with every piece of state resuming must carry: an optimizer with state, a
/// schedule over the whole run, clipping and max-norm, the best epoch kept, patience, elastic
/// augmentation, dropout.
func statefulOptions(_ kind: OptimizerKind) -> TrainingOptions {
    var options = smallOptions()
    options.optimizer = OptimizerSettings(kind: kind)
    options.optimizer.weightDecay = 1e-4
    options.optimizer.clipNorm = 5
    options.optimizer.maxNorm = 4
    options.learningRate = kind.isAdam ? 0.002 : 0.05
    options.schedule = LearningRateSchedule(.cosine)
    options.schedule.warmupEpochs = 0.5
    options.batchSize = 50
    options.keep = .best
    options.patience = 3
    options.augmentation = AugmentationSettings(.elastic)
    options.dropout = DropoutSettings(input: 0.1, hidden: 0.2)
    return options
}

@Suite struct ResumeTests {
    /// A 4-epoch run, and the same run interrupted after epoch 2 and resumed from its
    /// checkpoint's bytes: the same bits (losses, weights, kept best, optimizer state), on 1
    /// and 2 threads. (The schedule spans the planned 4 epochs in both.)
    @Test(arguments: [OptimizerKind.sgd, .nesterov, .adamw], [1, 2])
    func resumingACheckpointGivesTheSameBitsAsOneRun(kind: OptimizerKind, threads: Int) throws {
        var options = kind == .sgd ? smallOptions() : statefulOptions(kind)
        options.threads = threads
        options.epochs = 4
        options.patience = nil
        let straight = try Trainer(options: options, data: smallData)
        var checkpointBytes: [UInt8] = []
        let straightReports = straight.run { event in
            if case .epochFinished(let report) = event, report.epoch == 2 {
                checkpointBytes = straight.modelFile(after: report).encoded()
            }
        }
        let checkpoint = try ModelFile.decode(checkpointBytes, file: "c.nnw")
        #expect(checkpoint.plannedEpochs == 4)
        let resumed = try Trainer(resuming: checkpoint, file: "c.nnw", epochs: 4, threads: threads, data: smallData)
        #expect(resumed.firstEpoch == 3 && resumed.options.checkpointMetadata == options.checkpointMetadata)
        let resumedReports = resumed.run()
        #expect(resumedReports.map(\.epoch) == [3, 4])
        #expect(resumedReports.map(\.trainLoss) == Array(straightReports.map(\.trainLoss).suffix(2)))
        #expect(resumed.best?.epoch == straight.best?.epoch)
        let a = straight.modelFile(after: straightReports.last), b = resumed.modelFile(after: resumedReports.last)
        for (x, y) in zip(a.network.layers, b.network.layers) {
            #expect(x.weights.values == y.weights.values && x.bias.values == y.bias.values)
        }
        #expect(a.extraTensors.map(\.name) == b.extraTensors.map(\.name))
        for (x, y) in zip(a.extraTensors, b.extraTensors) { #expect(x.matrix.values == y.matrix.values, "\(x.name)") }
    }

    /// A float16 checkpoint still resumes exactly: the last weights are stored in float32 beside it.
    @Test func halfPrecisionCheckpointsResumeExactly() throws {
        var options = statefulOptions(.momentum)
        options.epochs = 3
        let straight = try Trainer(options: options, data: smallData)
        var checkpointBytes: [UInt8] = []
        let straightReports = straight.run { event in
            if case .epochFinished(let report) = event, report.epoch == 1 {
                checkpointBytes = straight.modelFile(after: report, precision: .float16).encoded()
            }
        }
        let checkpoint = try ModelFile.decode(checkpointBytes, file: "h.nnw")
        #expect(checkpoint.precision == .float16)
        let resumed = try Trainer(resuming: checkpoint, file: "h.nnw", epochs: 3, data: smallData)
        #expect(resumed.run().map(\.trainLoss) == Array(straightReports.map(\.trainLoss).suffix(2)))
    }

    /// nnfast 0.3 checkpoints (format version 1) carry no optimizer, schedule or keep keys: they
    /// trained with plain SGD at a constant rate and kept the last epoch, and resume that way.
    @Test func aCheckpointFromBeforeOptimizersResumesWithPlainSGD() throws {
        var options = smallOptions()
        options.epochs = 1
        options.learningRate = 0.07
        let trainer = try Trainer(options: options, data: smallData)
        var old = trainer.modelFile(after: trainer.run().last)
        for key in ["optimizer", "weight_decay", "schedule", "warmup_epochs", "keep", "saved_epoch", "best_epoch",
                    "best_validation_accuracy"] {
            old.metadata[key] = nil
        }
        let recipe = try TrainingOptions(checkpoint: old, file: "old.nnw")
        #expect(recipe.optimizer.kind == .sgd && recipe.schedule.shape == .constant && recipe.keep == .last)
        #expect(recipe.layers == [784, 32, 10] && recipe.learningRate == 0.07 && recipe.batchSize == 32)
        let resumed = try Trainer(resuming: old, file: "old.nnw", epochs: 2, data: smallData)
        #expect(resumed.run().count == 1)
    }

    @Test func refusesWhatItCannotContinue() throws {
        var options = smallOptions()
        options.epochs = 1
        let trainer = try Trainer(options: options, data: smallData)
        let reports = trainer.run()
        let checkpoint = trainer.modelFile(after: reports.last)
        expectError("--epochs: is 1 but c.nnw has already trained 1 epochs") {
            _ = try Trainer(resuming: checkpoint, file: "c.nnw", epochs: 1, data: smallData)
        }
        var plain = checkpoint
        plain.metadata = [:]
        expectError("c.nnw: is not a training checkpoint (its metadata lacks") {
            _ = try Trainer(resuming: plain, file: "c.nnw", epochs: 4, data: smallData)
        }
        var badOptimizer = checkpoint
        badOptimizer.metadata["optimizer"] = "rmsprop"
        expectError("c.nnw: checkpoint metadata optimizer = \"rmsprop\" is not valid") {
            _ = try Trainer(resuming: badOptimizer, file: "c.nnw", epochs: 4, data: smallData)
        }
        let adam = try Trainer(options: statefulOptions(.adam), data: smallData)
        let adamReports = adam.run()
        var stripped = adam.modelFile(after: adamReports.last)
        stripped.extraTensors.removeAll { $0.name.hasPrefix("optimizer.v.") }
        expectError("c.nnw: checkpoint lacks the optimizer tensor optimizer.v.layer.1.weight") {
            _ = try Trainer(resuming: stripped, file: "c.nnw", epochs: 9, data: smallData)
        }
    }
}
