import ArgumentParser
import NNFast

extension Activation: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension Initializer: ExpressibleByArgument {}
extension ModelFile.Precision: ExpressibleByArgument {}

/// `--layers 784,100,200,10`: the size of every layer, input first.
struct LayerSizes: ExpressibleByArgument, CustomStringConvertible {
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

/// `--threads N` or `--threads auto`.
enum ThreadCount: ExpressibleByArgument, CustomStringConvertible, Equatable {
    case automatic
    case fixed(Int)

    init?(argument: String) {
        if argument == "auto" { self = .automatic; return }
        guard let value = Int(argument) else { return nil }
        self = .fixed(value)
    }

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
