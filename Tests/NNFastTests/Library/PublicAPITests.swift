import Foundation
import NNFast  // not @testable: this file sees only what a Swift user of the library sees
import Testing

/// README's "Using the library from Swift" example, compiled and run against the public API
/// (on the small fixture, so it stays quick).
@Suite struct PublicAPITests {
    @Test func readmeExampleTrainsSavesAndPredicts() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnfast-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let modelPath = folder.appendingPathComponent("mnist.nnw").path

        // --- README example (paths adapted) ---
        let data = try DatasetFolder.load(root.appendingPathComponent("Fixtures/mnist-small").path)
        var options = TrainingPreset.fast.options  // 784-100-200-10, Nesterov, linear decay
        options.epochs = 3
        options.validationCount = 500
        let trainer = try Trainer(options: options, data: data)
        let reports = trainer.run(onEvent: { event in
            if case .epochFinished(let report) = event { print("epoch", report.epoch, report.testAccuracy) }
        })
        try trainer.modelFile(after: reports.last).save(to: modelPath)

        let model = try ModelFile.load(modelPath)
        let image = try ImageFile.load(root.appendingPathComponent("Fixtures/digits/transformed/0002-1.png").path)
        let prediction = model.predict(samples255: DigitPreprocessing.mnistStyle(image).samples255)
        let label = model.classLabels[prediction.ranked[0].label]
        // --- end of example ---

        #expect(reports.count == 3)
        #expect(reports.last!.testAccuracy > 0.8)
        #expect(label == "1")
    }
}
