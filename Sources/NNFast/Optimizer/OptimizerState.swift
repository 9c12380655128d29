/// What an optimizer remembers between steps: for each of its slots (velocity; or Adam's m and
/// v), one tensor shaped like each layer's W and one like its b, zero at the start of a run.
/// Saved in checkpoints as named tensors, so a resumed run continues with the same state.
final class OptimizerState {
    let slotNames: [String]
    /// `weightSlots[slot][layer]`, `biasSlots[slot][layer]`.
    let weightSlots: [[Matrix]]
    let biasSlots: [[Matrix]]

    init(kind: OptimizerKind, network: Network) {
        slotNames = kind.slotNames
        weightSlots = slotNames.map { _ in network.layers.map { Matrix(rows: $0.inputSize, cols: $0.outputSize) } }
        biasSlots = slotNames.map { _ in network.layers.map { Matrix(rows: 1, cols: $0.outputSize) } }
    }

    /// The state as named tensors: `optimizer.<slot>.layer.<l>.weight` / `.bias`, l from 1.
    var namedTensors: [NamedTensor] {
        var tensors: [NamedTensor] = []
        for (slot, name) in slotNames.enumerated() {
            for layer in weightSlots[slot].indices {
                tensors.append(NamedTensor(name: Self.tensorName(slot: name, layer: layer, part: "weight"),
                                           matrix: weightSlots[slot][layer]))
                tensors.append(NamedTensor(name: Self.tensorName(slot: name, layer: layer, part: "bias"),
                                           matrix: biasSlots[slot][layer]))
            }
        }
        return tensors
    }

    static func tensorName(slot: String, layer: Int, part: String) -> String {
        "optimizer.\(slot).layer.\(layer + 1).\(part)"
    }

    /// Loads every slot tensor from `tensors` (a checkpoint's); fails naming the first missing or
    /// misshapen one.
    func restore(from tensors: [String: Matrix], file: String) throws(NNFastError) {
        for (slot, name) in slotNames.enumerated() {
            for layer in weightSlots[slot].indices {
                for (part, target) in [("weight", weightSlots[slot][layer]), ("bias", biasSlots[slot][layer])] {
                    let tensorName = Self.tensorName(slot: name, layer: layer, part: part)
                    guard let saved = tensors[tensorName] else {
                        throw NNFastError(file, "checkpoint lacks the optimizer tensor \(tensorName)")
                    }
                    guard saved.rows == target.rows && saved.cols == target.cols else {
                        throw NNFastError(file, "optimizer tensor \(tensorName) is \(saved.rows)×\(saved.cols), expected \(target.rows)×\(target.cols)")
                    }
                    target.copy(from: saved)
                }
            }
        }
    }
}
