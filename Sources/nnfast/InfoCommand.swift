import ArgumentParser
import Foundation
import NNFast

/// `nnfast info`: what a model file holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show a model's architecture, parameter count, file size and metadata.",
        discussion: "Exit codes: 0 success; 1 a missing, unreadable or corrupt model file.")

    @Argument(help: "The model file (.nnw).")
    var model: String

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() throws {
        let file = try ModelFile.load(model)
        let size = (try? FileManager.default.attributesOfItem(atPath: model)[.size] as? Int) ?? 0
        let network = file.network
        let layers = network.layers.enumerated().map { index, layer in
            ["index": index + 1, "kind": "dense", "inputs": layer.inputSize, "outputs": layer.outputSize,
             "activation": layer.activation.rawValue, "parameters": layer.parameterCount] as [String: Any]
        }
        if json {
            let object: [String: Any] = [
                "file": model, "bytes": size, "input_shape": file.inputShape,
                "pixel_scale": file.pixelScale, "pixel_offset": file.pixelOffset,
                "classes": file.classCount, "class_names": file.classNames, "loss": network.loss.rawValue,
                "parameters": network.parameterCount, "layers": layers, "metadata": file.metadata,
                "training_state": file.extraTensors.map {
                    ["name": $0.name, "rows": $0.matrix.rows, "cols": $0.matrix.cols] as [String: Any]
                },
            ]
            try printJSON(object)
            return
        }
        print("model: \(model) (\(grouped(size)) bytes)")
        print("input: \(file.inputShape.map(String.init).joined(separator: "×")), pixels × \(file.pixelScale) + \(file.pixelOffset)")
        print("classes: \(file.classCount)" + (file.classNames.isEmpty ? "" : " (\(file.classNames.joined(separator: ", ")))"))
        print("network: \(network.sizes.map(String.init).joined(separator: "-")), \(network.loss.rawValue), \(grouped(network.parameterCount)) parameters")
        for layer in network.layers {
            print("  dense \(layer.inputSize) → \(layer.outputSize), \(layer.activation.rawValue), \(grouped(layer.parameterCount)) parameters")
        }
        if !file.extraTensors.isEmpty {
            // Checkpoints carry what resuming needs; predict and eval never read it.
            let values = file.extraTensors.reduce(0) { $0 + $1.matrix.count }
            let groups = Dictionary(grouping: file.extraTensors) { $0.name.split(separator: ".").prefix(2).joined(separator: ".") }
            print("training state (for --resume; not used by predict or eval): \(file.extraTensors.count) tensors, "
                  + "\(grouped(values)) values (\(grouped(4 * values)) bytes): "
                  + groups.keys.sorted().map { "\($0).* (\(groups[$0]!.count))" }.joined(separator: ", "))
        }
        if !file.metadata.isEmpty {
            print("metadata:")
            for key in file.metadata.keys.sorted() { print("  \(key): \(file.metadata[key]!)") }
        }
    }
}
