import Testing
@testable import NNFast

@Suite struct ResumeTests {
    /// Train 3 epochs in one go, or 1 epoch, checkpoint to bytes, resume for 2 more: the same bits.
    @Test func resumingACheckpointGivesTheSameBitsAsOneRun() throws {
        var options = smallOptions()
        options.epochs = 3
        let straight = try Trainer(options: options, data: smallData)
        let straightReports = straight.run()

        options.epochs = 1
        let first = try Trainer(options: options, data: smallData)
        let firstReports = first.run()
        let checkpoint = try ModelFile.decode(first.modelFile(after: firstReports.last).encoded(), file: "c.nnw")
        options.epochs = 3
        let resumed = try Trainer(resuming: checkpoint, file: "c.nnw", options: options, data: smallData)
        #expect(resumed.firstEpoch == 2)
        let resumedReports = resumed.run()
        #expect(resumedReports.map(\.epoch) == [2, 3])
        #expect(resumedReports.map(\.trainLoss) == Array(straightReports.map(\.trainLoss).suffix(2)))
        for (a, b) in zip(straight.network.layers, resumed.network.layers) {
            #expect(a.weights.values == b.weights.values && a.bias.values == b.bias.values)
        }
    }

    @Test func refusesWhatItCannotContinue() throws {
        var options = smallOptions()
        options.epochs = 1
        let trainer = try Trainer(options: options, data: smallData)
        let reports = trainer.run()
        let checkpoint = trainer.modelFile(after: reports.last)
        expectError("--epochs: is 1 but c.nnw has already trained 1 epochs") {
            _ = try Trainer(resuming: checkpoint, file: "c.nnw", options: options, data: smallData)
        }
        var plain = checkpoint
        plain.metadata = [:]
        options.epochs = 4
        expectError("c.nnw: is not a training checkpoint (its metadata lacks") {
            _ = try Trainer(resuming: plain, file: "c.nnw", options: options, data: smallData)
        }
    }
}
