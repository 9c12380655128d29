import ArgumentParser
import Foundation
import NNFast

extension Activation: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension Initializer: ExpressibleByArgument {}
extension ModelFile.Precision: ExpressibleByArgument {}

/// A comma-separated list of sizes: `--layers 784,100,200,10` (every layer, input first),
/// `--batches 32,128,256`.
struct SizeList: ExpressibleByArgument, CustomStringConvertible {
    let sizes: [Int]

    init(_ sizes: [Int]) { self.sizes = sizes }

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let sizes = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard sizes.count == parts.count, !sizes.isEmpty else { return nil }
        self.sizes = sizes
    }

    var description: String { sizes.map(String.init).joined(separator: ",") }
    var defaultValueDescription: String { description }
}

/// `--threads N` (N ≥ 1) or `--threads auto`, the same for every command. Anything else —
/// 0, a negative number, a word — is refused by the parser: one line, exit 64.
enum ThreadCount: ExpressibleByArgument, CustomStringConvertible, Equatable {
    case automatic
    case fixed(Int)

    init?(argument: String) {
        if argument == "auto" { self = .automatic; return }
        guard let value = Int(argument), value >= 1 else { return nil }
        self = .fixed(value)
    }

    /// The number of threads to run: every core for `auto`.
    var resolved: Int { count > 0 ? count : ProcessInfo.processInfo.activeProcessorCount }

    /// 0 for automatic, as `TrainingOptions.threads` expects.
    var count: Int {
        switch self {
        case .automatic: 0
        case .fixed(let value): value
        }
    }

    var description: String { self.count == 0 ? "auto" : String(count) }
    var defaultValueDescription: String { description }
}
extension TrainingPreset: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension LearningRateSchedule.Shape: ExpressibleByArgument {}
extension KeepPolicy: ExpressibleByArgument {}
extension AugmentationSettings.Kind: ExpressibleByArgument {}
