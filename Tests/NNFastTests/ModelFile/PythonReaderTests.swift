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
        options.epochs = 1
        options.validationCount = 0
        let trainer = try Trainer(options: options, data: smallData)
        trainer.run()
        let folder = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("m.nnw").path
        try trainer.modelFile(after: nil, metadata: ["note": "cross-check"]).save(to: path)

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
        #expect(rows.count == count)

        let workspace = NetworkWorkspace(network: trainer.network, capacity: count)
        smallData.test.gather(0..<count, into: workspace)
        let logits = trainer.network.forward(rows: 0..<count, workspace: workspace, scratch: GEMMScratch())
        for i in 0..<count {
            for j in 0..<10 {
                // float32 engine vs float64 numpy: a few ulps over ~800-term sums.
                #expect(abs(Double(logits[i, j]) - rows[i][j]) <= 1e-4 * max(1, abs(rows[i][j])))
            }
        }
    }
}
