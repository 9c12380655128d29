import Foundation
import Testing
@testable import NNFast

/// Whether `python3 -c "import numpy"` works here (the Python reader needs it).
let pythonWithNumpy: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import numpy"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

@Suite struct PythonReaderTests {
    /// tools/nnw.py is written from Docs/nnw-format.md alone; if it computes the same logits as
    /// the engine from a saved model, the spec says enough.
    @Test(.enabled(if: pythonWithNumpy, "python3 with numpy is not available: the spec cross-check is skipped"))
    func independentReaderComputesTheSameLogits() throws {
        var options = TrainingOptions()
        options.layers = [784, 24, 10]
        options.activation = .tanh
        options.epochs = 2
        options.validationCount = 500
        // Optimizer state and the last weights ride along as named tensors the reader must skip.
        options.optimizer = OptimizerSettings(kind: .nesterov)
        options.keep = .best
        let trainer = try Trainer(options: options, data: smallData)
        let folder = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("m.nnw").path
        let reports = trainer.run()
        let model = trainer.modelFile(after: reports.last, metadata: ["note": "cross-check"])
        #expect(!model.extraTensors.isEmpty)
        try model.save(to: path)

        let count = 7
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", packageRoot.appendingPathComponent("tools/nnw.py").path, path,
                             "--logits", smallMNIST + "/t10k-images-idx3-ubyte.gz", "--count", String(count)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let rows = String(decoding: output, as: UTF8.self).split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [Double]
        }
        try #require(rows.count == count)

        let workspace = NetworkWorkspace(network: model.network, capacity: count)
        smallData.test.gather(0..<count, into: workspace)
        let logits = model.network.forward(rows: 0..<count, workspace: workspace, scratch: GEMMScratch())
        for i in 0..<count {
            for j in 0..<10 {
                // float32 engine vs float64 numpy: a few ulps over ~800-term sums.
                #expect(abs(Double(logits[i, j]) - rows[i][j]) <= 1e-4 * max(1, abs(rows[i][j])))
            }
        }
    }
}
