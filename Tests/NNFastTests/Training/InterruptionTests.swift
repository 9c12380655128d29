import Foundation
import Testing
@testable import NNFast

@Suite struct DivergenceGuardTests {
    @Test func theFirstStepSetsTheReferenceAndOnlyAnExplosionOrANonFiniteLossTrips() {
        var guard_ = DivergenceGuard()
        func check(_ loss: Double) -> Divergence? {
            guard_.check(meanLoss: loss, epoch: 2, step: 7, stepsPerEpoch: 12, learningRate: 0.5)
        }
        #expect(check(2.0) == nil && guard_.referenceLoss == 2.0)
        #expect(check(1999) == nil)  // under 1000× the reference: a bad batch, not a diverged run
        #expect(check(0.01) == nil && guard_.referenceLoss == 2.0)
        let exploded = check(2001)
        #expect(exploded?.loss == 2001 && exploded?.epoch == 2 && exploded?.step == 7)
        #expect(exploded?.description.contains("epoch 2, step 7 of 12") == true)
        #expect(exploded?.description.contains("--lr") == true)
        #expect(check(.nan)?.description.contains("NaN") == true)
        #expect(check(.infinity)?.description.contains("infinite") == true)
        var fresh = DivergenceGuard()
        #expect(fresh.check(meanLoss: .nan, epoch: 1, step: 1, stepsPerEpoch: 3, learningRate: 1) != nil)
    }
}

@Suite struct InterruptionTests {
    @Test func aHugeLearningRateStopsTheRunAsDivergedBeforeItsFirstEpochEnds() throws {
        var options = smallOptions()
        options.learningRate = 100
        let trainer = try Trainer(options: options, data: smallData)
        let reports = trainer.run()
        guard case .diverged(let divergence) = trainer.interruption else {
            Issue.record("expected divergence, got \(String(describing: trainer.interruption))")
            return
        }
        #expect(reports.isEmpty && trainer.epochsCompleted == 0 && divergence.epoch == 1)
        #expect(divergence.loss > 1000 * (divergence.referenceLoss ?? .infinity) || !divergence.loss.isFinite)
    }

    /// Stopped after `stopAfter` steps (mid-epoch), saved, resumed from the file's bytes: the
    /// same bits as one uninterrupted run, on 1 and 2 threads, with every piece of state on.
    @Test(arguments: [(5, 1), (41, 2)])
    func aRunStoppedMidEpochResumesToTheSameBits(stopAfter: Int, threads: Int) throws {
        var options = statefulOptions(.nesterov)
        options.threads = threads
        options.epochs = 2
        options.patience = nil
        let straight = try Trainer(options: options, data: smallData)
        let straightReports = straight.run()

        let stopped = try Trainer(options: options, data: smallData)
        var steps = 0
        let before = stopped.run(shouldStop: {
            steps += 1
            return steps > stopAfter
        })
        #expect(stopped.interruption == .stopRequested)
        let stepsPerEpoch = stopped.stepsPerEpoch  // 30 (1,500 images, batch 50): 41 stops in epoch 2
        #expect(stopped.partialEpoch == PartialEpoch(epoch: stopAfter / stepsPerEpoch + 1, stepsDone: stopAfter % stepsPerEpoch,
                                                     lossSum: stopped.partialEpoch?.lossSum ?? 0))
        let bytes = stopped.modelFile(after: before.last).encoded()
        let checkpoint = try ModelFile.decode(bytes, file: "stopped.nnw")
        #expect(checkpoint.metadata["epoch_steps_done"] == String(stopAfter % stepsPerEpoch))

        let resumed = try Trainer(resuming: checkpoint, file: "stopped.nnw", epochs: 2, threads: threads, data: smallData)
        let after = resumed.run()
        #expect((before + after).map(\.trainLoss) == straightReports.map(\.trainLoss))
        #expect(resumed.best?.epoch == straight.best?.epoch)
        let a = straight.modelFile(after: straightReports.last), b = resumed.modelFile(after: after.last)
        for (x, y) in zip(a.network.layers, b.network.layers) {
            #expect(x.weights.values == y.weights.values && x.bias.values == y.bias.values)
        }
        for (x, y) in zip(a.extraTensors, b.extraTensors) { #expect(x.matrix.values == y.matrix.values, "\(x.name)") }
    }

    @Test func aCheckpointWhoseStepCountDoesNotFitTheEpochIsRefused() throws {
        var options = smallOptions()
        options.epochs = 2
        let trainer = try Trainer(options: options, data: smallData)
        var steps = 0
        _ = trainer.run(shouldStop: { steps += 1; return steps > 3 })
        var model = trainer.modelFile(after: nil)
        model.metadata["epoch_steps_done"] = "9999"
        let bad = try ModelFile.decode(model.encoded(), file: "bad.nnw")
        expectError("epoch_steps_done") { _ = try Trainer(resuming: bad, file: "bad.nnw", epochs: 2, data: smallData) }
    }
}

@Suite struct NonFiniteModelTests {
    @Test func aModelWithNaNIsNeitherSavedNorRead() throws {
        let folder = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try Trainer(options: smallOptions(), data: smallData)
        let path = folder.appendingPathComponent("m.nnw").path
        let good = trainer.modelFile(after: nil)
        try good.save(to: path)
        let before = try FileBytes.read(path)
        trainer.network.layers[1].bias.setValues([Float](repeating: .nan, count: 10))
        expectError("layer.2.bias holds NaN or infinite values") { try trainer.modelFile(after: nil).save(to: path) }
        #expect(try FileBytes.read(path) == before)  // the earlier file stays as it was
        trainer.network.layers[1].bias.setValues([Float](repeating: 1e6, count: 10))
        expectError("beyond float16's range") { try trainer.modelFile(after: nil, precision: .float16).save(to: path) }
        // A file whose tensor holds NaN (CRC re-sealed) is refused when read.
        let encoded = trainer.modelFile(after: nil).encoded()
        let table = try ModelFile.decode(encoded, file: "x")
        #expect(table.network.layers[1].bias.values.first == 1e6)
        var patched = encoded
        let one = withUnsafeBytes(of: Float(1e6).bitPattern.littleEndian, Array.init)
        let at = (0...(patched.count - 4)).first { Array(patched[$0..<($0 + 4)]) == one }!
        patched.replaceSubrange(at..<(at + 4), with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian, Array.init))
        let body = Array(patched[0..<(patched.count - 4)])
        patched.replaceSubrange((patched.count - 4)..., with: withUnsafeBytes(of: crc32Checksum(body).littleEndian, Array.init))
        expectError("corrupt model: tensor layer.2.bias holds nan") { _ = try ModelFile.decode(patched, file: "x") }
    }
}
