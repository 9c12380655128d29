import ArgumentParser
import NNFast

extension Activation: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension Initializer: ExpressibleByArgument {}

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
