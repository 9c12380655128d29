/// One optimizer step over every layer, split over threads by parameters: part `p` of `P`
/// updates its own block of each layer's W rows and b columns, so parts run at once without
/// sharing a written byte, and every element's arithmetic is the same for any split.
///
/// Plain SGD never stores dW: its step is the weight-gradient GEMM itself,
/// W ← (1 − η·λ)·W − η·Xᵀ·dZ (α = −η, β = 1 − η·λ). The other rules compute their block of
/// dW = Xᵀ·dZ (and db) into the layer's gradient buffers, then apply one fused update kernel
/// to it while it is still in cache.
final class ParameterUpdate {
    let settings: OptimizerSettings
    let state: OptimizerState

    init(settings: OptimizerSettings, network: Network) {
        self.settings = settings
        state = OptimizerState(kind: settings.kind, network: network)
    }

    /// Part `part` of `parts` of step `step` (1-based) at rate `rate`, after `backwardData` on
    /// the batch's `batchRows` rows. With `repackWeights`, each part then repacks the Wᵀ panels
    /// of the rows it updated (rows are split on panel boundaries for that), ready for the next
    /// step's `backwardData(prepackedWeights: true)`.
    func apply(to network: Network, part: Int, of parts: Int, batchRows: Int, rate: Float, step: Int,
               workspace: NetworkWorkspace, scratch: GEMMScratch, profile: StepProfile? = nil,
               repackWeights: Bool = false) {
        let weightRule = settings.coefficients(rate: rate, step: step, forWeights: true)
        let biasRule = settings.coefficients(rate: rate, step: step, forWeights: false)
        for (index, layer) in network.layers.enumerated() {
            let weightRows = partition(layer.inputSize, parts: parts, index: part, granularity: gemmNR)
            let biasColumns = partition(layer.outputSize, parts: parts, index: part, granularity: 16)
            let input = network.layerInput(index, workspace), outputGradient = workspace.gradients[index]
            let body = {
                if self.settings.kind == .sgd {
                    layer.applyFusedSGD(input: input, outputGradient: outputGradient, batchRows: batchRows,
                                        rate: rate, weightDecay: self.settings.weightDecay,
                                        weightRows: weightRows, biasColumns: biasColumns, scratch: scratch)
                } else {
                    layer.computeParameterGradients(input: input, outputGradient: outputGradient, batchRows: batchRows,
                                                    weightRows: weightRows, biasColumns: biasColumns, scratch: scratch)
                    self.updateFromGradients(layer: index, of: network, weightRows: weightRows, biasColumns: biasColumns,
                                             weightRule: weightRule, biasRule: biasRule)
                }
                // The first layer's Wᵀ is never used: nobody needs dX of the input.
                if repackWeights && index > 0 { layer.packTransposedWeights(rows: weightRows) }
            }
            if let profile { profile.time(.update(layer: index), body) } else { body() }
        }
    }

    private func updateFromGradients(layer index: Int, of network: Network, weightRows: Range<Int>,
                                     biasColumns: Range<Int>, weightRule: UpdateCoefficients,
                                     biasRule: UpdateCoefficients) {
        let layer = network.layers[index]
        let slots = state.weightSlots.map { $0[index] }, biasSlots = state.biasSlots.map { $0[index] }
        applyUpdate(settings.kind, parameters: layer.weights, gradients: layer.weightGradient, slots: slots,
                    rows: weightRows, coefficients: weightRule)
        applyUpdate(settings.kind, parameters: layer.bias, gradients: layer.biasGradient, slots: biasSlots,
                    columns: biasColumns, coefficients: biasRule)
    }
}
