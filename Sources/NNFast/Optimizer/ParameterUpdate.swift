/// One optimizer step over every layer, split over threads by parameters: part `p` of `P`
/// updates its own block of each layer's W rows and b columns, so parts run at once without
/// sharing a written byte, and every element's arithmetic is the same for any split.
///
/// Plain SGD never stores dW: its step is the weight-gradient GEMM itself,
/// W ← (1 − η·λ)·W − η·Xᵀ·dZ (α = −η, β = 1 − η·λ). The other rules compute their block of
/// dW = Xᵀ·dZ (and db) into the layer's gradient buffers, then apply one fused update kernel
/// to it while it is still in cache.
///
/// Two options need every part to finish a phase first, so the step gets extra barriers:
/// - gradient-norm clipping needs ‖g‖ over all parameters before any update: `computeGradients`
///   (each part: its dW/db blocks and each row's sum of squares), then `apply` (each part sums
///   the rows in the same order, so all agree on the scale);
/// - max-norm needs whole columns of W after the update: `constrain` (parts split columns).
final class ParameterUpdate {
    let settings: OptimizerSettings
    let state: OptimizerState
    /// Per layer, the sums of squares of each dW row then each db element (clipping only).
    private let squares: [RowBuffer<Double>]

    init(settings: OptimizerSettings, network: Network) {
        self.settings = settings
        state = OptimizerState(kind: settings.kind, network: network)
        squares = settings.clipNorm == nil ? [] : network.layers.map {
            RowBuffer(repeating: 0, count: $0.inputSize + $0.outputSize)
        }
    }

    var clips: Bool { settings.clipNorm != nil }
    var constrains: Bool { settings.maxNorm != nil }

    /// Part `part`'s rows of W and columns of b, in each layer. Rows split on the tile's height
    /// (the update GEMM's M is W's rows), so each part's rows are whole tiles but the last. They
    /// split on 32-row panels while each part repacked its Wᵀ panels, which left 800 rows as
    /// 384 + 416: thread 1 then updated 8% more of the wide network's second layer and ran
    /// 825-836 µs there against thread 0's 756-778 (784-800-800-10, batch 128, 2 threads, Zen 4
    /// family 25 model 17, `nnfast bench --every-thread`).
    private func blocks(_ layer: DenseLayer, part: Int, of parts: Int) -> (rows: Range<Int>, columns: Range<Int>) {
        (partition(layer.inputSize, parts: parts, index: part, granularity: GEMMBuildTile.mr),
         partition(layer.outputSize, parts: parts, index: part, granularity: 16))
    }

    /// With clipping: part `part` of dW, db and their sums of squares (before `apply`).
    func computeGradients(of network: Network, part: Int, of parts: Int, batchRows: Int,
                          workspace: NetworkWorkspace, scratch: GEMMScratch) {
        for (index, layer) in network.layers.enumerated() {
            let (rows, columns) = blocks(layer, part: part, of: parts)
            layer.computeParameterGradients(input: network.layerInput(index, workspace), outputGradient: workspace.gradients[index],
                                            batchRows: batchRows, weightRows: rows, biasColumns: columns, scratch: scratch)
            for row in rows {
                squares[index][row] = sumOfSquares(layer.weightGradient.rows(row..<row + 1))
            }
            let bias = layer.biasGradient
            for column in columns { squares[index][layer.inputSize + column] = Double(bias[0, column] * bias[0, column]) }
        }
    }

    /// The factor clipping multiplies the gradient by: min(1, c/‖g‖), ‖g‖ summed in a fixed order.
    private var clipScale: Float {
        guard let limit = settings.clipNorm else { return 1 }
        var total = 0.0
        for layer in squares { for i in 0..<layer.count { total += layer[i] } }
        let norm = total.squareRoot()
        return norm > Double(limit) ? Float(Double(limit) / norm) : 1
    }

    /// Part `part` of `parts` of step `step` (1-based) at rate `rate`, after `backwardData` on
    /// the batch's `batchRows` rows (and, with clipping, after every part's `computeGradients`).
    func apply(to network: Network, part: Int, of parts: Int, batchRows: Int, rate: Float, step: Int,
               workspace: NetworkWorkspace, scratch: GEMMScratch, profile: PhaseTimer? = nil) {
        var weightRule = settings.coefficients(rate: rate, step: step, forWeights: true)
        var biasRule = settings.coefficients(rate: rate, step: step, forWeights: false)
        if clips {
            weightRule.gradientScale = clipScale
            biasRule.gradientScale = weightRule.gradientScale
        }
        for (index, layer) in network.layers.enumerated() {
            let (weightRows, biasColumns) = blocks(layer, part: part, of: parts)
            let input = network.layerInput(index, workspace), outputGradient = workspace.gradients[index]
            let body = {
                if self.settings.kind == .sgd && !self.clips {
                    layer.applyFusedSGD(input: input, outputGradient: outputGradient, batchRows: batchRows,
                                        rate: rate, weightDecay: self.settings.weightDecay,
                                        weightRows: weightRows, biasColumns: biasColumns, scratch: scratch)
                } else {
                    if !self.clips {  // with clipping, computeGradients already did
                        layer.computeParameterGradients(input: input, outputGradient: outputGradient, batchRows: batchRows,
                                                        weightRows: weightRows, biasColumns: biasColumns, scratch: scratch)
                    }
                    self.updateFromGradients(layer: index, of: network, weightRows: weightRows, biasColumns: biasColumns,
                                             weightRule: weightRule, biasRule: biasRule)
                }
            }
            if let profile { profile.time(.update(layer: index), body) } else { body() }
        }
    }

    /// With max-norm: part `part` of the column constraint, after every part's `apply`.
    func constrain(_ network: Network, part: Int, of parts: Int) {
        guard let limit = settings.maxNorm else { return }
        for layer in network.layers {
            constrainColumnNorms(layer.weights, columns: blocks(layer, part: part, of: parts).columns, limit: limit)
        }
    }

    /// Applies the rule to W's rows `weightRows` and b's columns `biasColumns`.
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
