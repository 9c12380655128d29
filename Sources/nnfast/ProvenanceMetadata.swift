import Foundation

/// What a saved model records about how it was made: the nnfast version, the creation time
/// (`$SOURCE_DATE_EPOCH` when set, as reproducible builds do), and the command line without
/// the options that cannot change the model (threads, output paths, printing). So the same
/// seed and recipe give byte-identical files on any thread count.
struct ProvenanceMetadata {
    static let optionsWithoutEffect: Set<String> = ["--threads", "--out", "--metrics", "--plot"]
    static let flagsWithoutEffect: Set<String> = ["--quiet", "--profile"]

    let values: [String: String]

    init(arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment, now: Date = Date()) {
        var kept: [String] = []
        var skipNext = false
        for argument in arguments.dropFirst() {
            if skipNext { skipNext = false; continue }
            let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
            if Self.flagsWithoutEffect.contains(argument) { continue }
            if Self.optionsWithoutEffect.contains(name) {
                skipNext = !argument.contains("=")
                continue
            }
            kept.append(argument)
        }
        let date = environment["SOURCE_DATE_EPOCH"].flatMap { Double($0) }.map { Date(timeIntervalSince1970: $0) } ?? now
        values = [
            "created": ISO8601DateFormatter().string(from: date),
            "nnfast_version": nnfastVersion,
            "command": (["nnfast"] + kept).map(shellQuoted).joined(separator: " "),
        ]
    }
}
