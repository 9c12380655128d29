import Foundation

/// Where `--data` points when the user names no folder: `$NNFAST_DATA`, else `Fixtures/mnist`
/// in the current folder, else the MNIST bundled in this source tree (the tool is built from
/// source, so the tree's location at build time is known).
enum DefaultDataFolder {
    static var path: String {
        if let fromEnvironment = ProcessInfo.processInfo.environment["NNFAST_DATA"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        let local = "Fixtures/mnist"
        if FileManager.default.fileExists(atPath: local) { return local }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Sources/nnfast
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()  // package root
            .appendingPathComponent("Fixtures/mnist").path
    }
}
