/// Inverted dropout during training (Srivastava et al. 2014): each input pixel is dropped with
/// probability `input`, each hidden unit with probability `hidden`; kept values are scaled by
/// 1/(1 − p). Off at evaluation. The mask of row r of step s in layer l comes from a generator
/// seeded by (seed, s, r, l): the thread that computes the row cannot change it.
public struct DropoutSettings: Sendable, Equatable {
    public var input: Float = 0
    public var hidden: Float = 0

    public init(input: Float = 0, hidden: Float = 0) {
        self.input = input
        self.hidden = hidden
    }

    public var isOn: Bool { input > 0 || hidden > 0 }

    func validate() throws(NNFastError) {
        for (flag, p) in [("--input-dropout", input), ("--dropout", hidden)] where !(p >= 0 && p < 0.95) {
            throw NNFastError.usage(flag, "must be a probability in [0, 0.95), found \(p)")
        }
    }
}

/// The per-step masks of a training workspace: a multiplier matrix (0 or 1/(1 − p)) for the
/// input and for each hidden layer, and the dropped copy of each hidden layer's activations that
/// the next layer (and its weight gradient) reads, while the undropped A stays for f′(A).
final class DropoutBuffers {
    let settings: DropoutSettings
    let seed: UInt64
    /// multipliers[0] for the input, multipliers[l + 1] for hidden layer l's output.
    let multipliers: [Matrix]
    /// The dropped activations of hidden layer l (the last layer is never dropped).
    let dropped: [Matrix]

    init(settings: DropoutSettings, seed: UInt64, network: Network, capacity: Int) {
        self.settings = settings
        self.seed = seed
        multipliers = [Matrix(rows: capacity, cols: network.inputSize)]
            + network.layers.dropLast().map { Matrix(rows: capacity, cols: $0.outputSize) }
        dropped = network.layers.dropLast().map { Matrix(rows: capacity, cols: $0.outputSize) }
    }

    /// The probability for multiplier matrix `index` (0: input).
    func probability(_ index: Int) -> Float { index == 0 ? settings.input : settings.hidden }

    /// The generator of (step, row, layer index).
    func generator(step: Int, row: Int, index: Int) -> SeededGenerator {
        SeededGenerator(seed: seed, stream: 0xBB67_AE85_84CA_A73B, step, row, index)
    }

    /// Draws the masks of rows `rows` of step `step` for multiplier matrix `index`.
    func drawMasks(step: Int, rows: Range<Int>, index: Int) {
        let p = probability(index)
        let matrix = multipliers[index]
        let threshold = UInt32((Double(p) * 65536).rounded())
        let keepScale = 1 / (1 - p)
        for row in rows {
            var random = generator(step: step, row: row, index: index)
            fillDropoutMultipliers(matrix.rows(row..<row + 1), threshold: threshold, keepScale: keepScale, random: &random)
        }
    }
}
