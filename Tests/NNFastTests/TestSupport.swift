import Foundation
import Testing
@testable import NNFast

/// Deterministic random Float arrays for tests.
func randomFloats(_ count: Int, seed: UInt64, range: ClosedRange<Double> = -1...1) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
        Float(range.lowerBound + generator.nextUniform() * (range.upperBound - range.lowerBound))
    }
}

/// The package root, found from this file's location (Tests/NNFastTests/TestSupport.swift).
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Fixtures/mnist-small: 2,000 training and 500 test images cut by tools/make_subsets.py.
let smallMNIST = packageRoot.appendingPathComponent("Fixtures/mnist-small").path

/// A fresh empty folder under the system temporary folder.
func makeTemporaryFolder() -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("nnfast-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func writeFile(_ bytes: [UInt8], to url: URL) {
    _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
}

/// Expects `body` to throw an NNFastError whose message contains `fragment`.
func expectError(_ fragment: String, sourceLocation: SourceLocation = #_sourceLocation,
                 _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an error containing \"\(fragment)\"", sourceLocation: sourceLocation)
    } catch let error as NNFastError {
        #expect(error.description.contains(fragment), "got: \(error.description)", sourceLocation: sourceLocation)
        #expect(!error.description.contains("\n"), "error must be one line", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected an NNFastError, got \(error)", sourceLocation: sourceLocation)
    }
}
