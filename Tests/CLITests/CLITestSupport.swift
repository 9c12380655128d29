import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// Runs the built `nnfast` binary (it sits beside the test bundle in the build folder).
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let smallMNIST = packageRoot.appendingPathComponent("Fixtures/mnist-small").path
/// The bundled MNIST (60,000 training images), for runs that must last long enough to interrupt.
let bundledMNIST = packageRoot.appendingPathComponent("Fixtures/mnist").path

/// The built binary, beside the test bundle.
let nnfastExecutable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    .deletingLastPathComponent().appendingPathComponent("nnfast")

func nnfast(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
    let process = Process()
    process.executableURL = nnfastExecutable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

func temporaryFolder() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("nnfast-cli-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A copy of the small fixture folder in which `stem.gz` is replaced by `bytes` (or removed).
func brokenFolder(replacing stem: String, with bytes: [UInt8]?) throws -> URL {
    let folder = temporaryFolder()
    for name in try FileManager.default.contentsOfDirectory(atPath: smallMNIST) {
        try FileManager.default.copyItem(atPath: smallMNIST + "/" + name, toPath: folder.appendingPathComponent(name).path)
    }
    let target = folder.appendingPathComponent(stem + ".gz")
    try FileManager.default.removeItem(at: target)
    if let bytes { FileManager.default.createFile(atPath: target.path, contents: Data(bytes)) }
    return folder
}

/// Expects a failure with `status`, exactly one stderr line containing every fragment.
func expectFailure(_ result: CommandResult, status: Int32, _ fragments: String...,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == status, "exit \(result.status), stderr: \(result.stderr)", sourceLocation: sourceLocation)
    let lines = result.stderr.split(separator: "\n")
    #expect(lines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    }
}
