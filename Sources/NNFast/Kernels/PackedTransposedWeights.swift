/// A layer's Wᵀ kept in the backward GEMM's packed-panel layout between steps.
///
/// dX = dZ·Wᵀ needs Wᵀ's panels on every step, and every thread would otherwise pack all of
/// them again. The training step repacks the panels of the W rows it has just updated (each
/// thread its own rows), and the next step's backward GEMMs read them. Unlike `GEMMScratch`,
/// whose contents are forgotten by every call, these panels persist until repacked.
final class PackedTransposedWeights {
    /// W's shape: `inputSize` rows (op(B)'s columns), `outputSize` columns (its depth).
    let inputSize: Int
    let outputSize: Int
    private let storage: GEMMScratch

    init(inputSize: Int, outputSize: Int) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        storage = GEMMScratch(capacity: PackedTransposedWeights.panelCount(inputSize) * outputSize * gemmNR)
    }

    private static func panelCount(_ inputSize: Int) -> Int { (inputSize + gemmNR - 1) / gemmNR }

    /// The packed panels, as the GEMM's `prepackedB`.
    var panels: UnsafePointer<Float> { UnsafePointer(storage.buffer) }

    /// Repacks the panels holding W's rows `rows` (whole panels: `rows` starts on a multiple of
    /// the panel width and ends on one or at `inputSize`).
    func repack(from weights: Matrix, rows: Range<Int>) {
        precondition(weights.rows == inputSize && weights.cols == outputSize, "weights of another shape")
        guard !rows.isEmpty else { return }
        let panels = (rows.lowerBound / gemmNR)..<((rows.upperBound + gemmNR - 1) / gemmNR)
        packTransposedPanels(weights.base, rows: inputSize, cols: outputSize, ldw: weights.rowStride,
                             panels: panels, into: storage.buffer)
    }
}
