import Testing
@testable import NNFast

@Suite struct BestWeightsTests {
    /// On a crafted validation curve the model keeps the best epoch's tensors (the first of
    /// equal ones), and the checkpoint carries the last weights for resuming.
    @Test func theSavedModelHoldsTheBestEpochsTensors() throws {
        var options = smallOptions()
        options.keep = .best
        let trainer = try Trainer(options: options, data: smallData)
        let curve = [0.50, 0.70, 0.60, 0.70, 0.65]
        var weightsAtEpoch: [[Float]] = []
        var reports: [EpochReport] = []
        for (index, accuracy) in curve.enumerated() {
            for layer in trainer.network.layers { layer.weights.fill(Float(index + 1)); layer.bias.fill(-Float(index + 1)) }
            weightsAtEpoch.append(trainer.network.layers[0].weights.values)
            let report = EpochReport(epoch: index + 1, trainLoss: 1, validationAccuracy: accuracy, testAccuracy: accuracy,
                                     trainSeconds: 0, evaluationSeconds: 0, samples: 1)
            _ = trainer.recordIfBest(report)
            reports.append(report)
        }
        #expect(trainer.best?.epoch == 2)
        let model = try ModelFile.decode(trainer.modelFile(after: reports.last).encoded(), file: "b.nnw")
        #expect(model.network.layers[0].weights.values == weightsAtEpoch[1])
        #expect(model.network.layers[1].bias.values.allSatisfy { $0 == -2 })
        #expect(model.metadata["saved_epoch"] == "2" && model.metadata["best_epoch"] == "2" && model.metadata["epochs_completed"] == "5")
        #expect(model.metadata["validation_accuracy"] == "0.7")
        let resume = model.extraTensors.first { $0.name == "resume.layer.1.weight" }
        #expect(resume?.matrix.values == weightsAtEpoch[4])

        options.keep = .last
        let last = try Trainer(options: options, data: smallData)
        for layer in last.network.layers { layer.weights.fill(5) }
        _ = last.recordIfBest(reports[1])
        let lastModel = last.modelFile(after: reports[4])
        #expect(lastModel.network.layers[0].weights.values.allSatisfy { $0 == 5 })
        #expect(lastModel.extraTensors.isEmpty && lastModel.metadata["saved_epoch"] == "5")
    }

    /// Patience stops the run once validation has not improved for that many epochs.
    @Test func patienceStopsARunThatNoLongerImproves() throws {
        var options = smallOptions()
        options.epochs = 60
        options.learningRate = 0.5
        options.patience = 2
        let trainer = try Trainer(options: options, data: smallData)
        let reports = trainer.run()
        #expect(trainer.stoppedEarly && reports.count < 60)
        let best = try #require(trainer.best)
        #expect(reports.last!.epoch - best.epoch == 2)
        #expect(reports.filter { $0.epoch > best.epoch }.allSatisfy { $0.validationAccuracy! <= best.validationAccuracy! })
    }

    @Test func keepingTheBestOrWaitingNeedsAValidationSet() {
        var options = TrainingOptions()
        options.validationCount = 0
        options.keep = .best
        expectError("--keep: best needs a validation set") { try options.validate() }
        options.keep = nil
        #expect(options.resolvedKeep == .last)
        options.patience = 3
        expectError("--patience: needs a validation set") { try options.validate() }
        options.validationCount = 100
        options.patience = 0
        expectError("--patience: must be at least 1") { try options.validate() }
    }
}
