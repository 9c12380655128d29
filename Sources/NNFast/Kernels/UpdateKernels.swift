import CNNFastMath

// The optimizers' per-element math: one fused pass over a parameter tensor, its gradient and its
// state. The kernels work on whole padded rows (a multiple of 16 floats, as every `Matrix` row
// is): padding is zero in the parameters, gradients and state, and each rule maps all-zero
// inputs to zero, so the padding stays zero.
//
// The arithmetic is plain multiplies and adds (no `addProduct`): Swift does not contract them
// into FMAs, so a scalar reference with the same order of operations gives the same bits, and
// the tests compare for equality. The kernels are memory-bound; FMA would not speed them up.

/// The scalars of one optimizer step for one tensor.
struct UpdateCoefficients {
    /// The learning rate of this step (after the schedule).
    var rate: Float
    /// Coupled L2 decay λ: the gradient becomes g + λ·θ (0 for biases).
    var l2: Float = 0
    /// Decoupled decay λ (AdamW): θ ← θ − rate·(step + λ·θ) (0 for biases).
    var decoupled: Float = 0
    /// Momentum μ (momentum, Nesterov).
    var momentum: Float = 0
    var nesterov = false
    /// Adam's β₁, β₂, ε, and the bias corrections 1 − β₁ᵗ, 1 − β₂ᵗ of this step.
    var beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
    var correction1: Float = 1, correction2: Float = 1
    /// Multiplies the gradient first (global-norm clipping); 1 leaves it exactly as it is.
    var gradientScale: Float = 1
}

/// Where one update reads and writes: `count` floats of each (a multiple of 16).
struct UpdateOperands {
    let parameters: UnsafeMutablePointer<Float>
    let gradients: UnsafePointer<Float>
    /// Velocity (momentum), or Adam's first moment.
    var first: UnsafeMutablePointer<Float>? = nil
    /// Adam's second moment.
    var second: UnsafeMutablePointer<Float>? = nil
    let count: Int
}

@inline(__always)
private func load(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD16<Float> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
private func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD16<Float>.self)
}

/// θ ← θ − rate·(g + λ·θ).
func sgdUpdate(_ x: UpdateOperands, _ c: UpdateCoefficients) {
    precondition(x.count % 16 == 0, "update kernels take whole padded rows")
    let rate = c.rate, l2 = c.l2, gs = c.gradientScale
    for i in stride(from: 0, to: x.count, by: 16) {
        let theta = load(x.parameters, i)
        store(theta - rate * (load(x.gradients, i) * gs + l2 * theta), x.parameters, i)
    }
}

/// Heavy-ball momentum in PyTorch's form: g' = g + λ·θ, v ← μ·v + g', then θ ← θ − rate·v,
/// or with Nesterov θ ← θ − rate·(g' + μ·v).
func momentumUpdate(_ x: UpdateOperands, _ c: UpdateCoefficients) {
    precondition(x.count % 16 == 0, "update kernels take whole padded rows")
    let velocity = x.first!
    let rate = c.rate, l2 = c.l2, mu = c.momentum, gs = c.gradientScale
    for i in stride(from: 0, to: x.count, by: 16) {
        let theta = load(x.parameters, i)
        let gradient = load(x.gradients, i) * gs + l2 * theta
        let v = mu * load(velocity, i) + gradient
        store(v, velocity, i)
        store(theta - rate * (c.nesterov ? gradient + mu * v : v), x.parameters, i)
    }
}

/// Adam (Kingma & Ba 2014) with AdamW's decoupled decay (Loshchilov & Hutter 2019):
/// g' = g + λ₂·θ, m ← β₁·m + (1 − β₁)·g', v ← β₂·v + (1 − β₂)·g'²,
/// θ ← θ − rate·((m/c₁)/(√v/√c₂ + ε) + λ_d·θ), with c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ.
/// The bias corrections are applied as precomputed reciprocals (1/c₁, 1/√c₂), leaving one
/// divide and one square root per element: three divides made Adam's step 1.6× plain SGD's.
func adamUpdate(_ x: UpdateOperands, _ c: UpdateCoefficients) {
    precondition(x.count % 16 == 0, "update kernels take whole padded rows")
    let first = x.first!, second = x.second!
    let rate = c.rate, l2 = c.l2, decoupled = c.decoupled
    let b1 = c.beta1, b2 = c.beta2, eps = c.epsilon
    let inverseC1 = 1 / c.correction1, inverseRootC2 = 1 / c.correction2.squareRoot()
    let oneMinusB1 = 1 - b1, oneMinusB2 = 1 - b2, gs = c.gradientScale
    for i in stride(from: 0, to: x.count, by: 16) {
        let theta = load(x.parameters, i)
        let gradient = load(x.gradients, i) * gs + l2 * theta
        let m = b1 * load(first, i) + oneMinusB1 * gradient
        let v = b2 * load(second, i) + oneMinusB2 * (gradient * gradient)
        store(m, first, i)
        store(v, second, i)
        let step = (m * inverseC1) / (nnfast_sqrt16(v) * inverseRootC2 + eps)
        store(theta - rate * (step + decoupled * theta), x.parameters, i)
    }
}

/// Applies rule `kind` to whole rows `rows` of `parameters` (with the same rows of `gradients`
/// and of each state slot).
func applyUpdate(_ kind: OptimizerKind, parameters: Matrix, gradients: Matrix, slots: [Matrix],
                 rows: Range<Int>, coefficients: UpdateCoefficients) {
    guard !rows.isEmpty else { return }
    let stride = parameters.rowStride
    applyUpdate(kind, parameters: parameters, gradients: gradients, slots: slots,
                elements: (rows.lowerBound * stride)..<(rows.upperBound * stride), coefficients: coefficients)
}

/// Applies rule `kind` to columns `columns` of a one-row tensor (a bias). `columns` starts on a
/// multiple of 16; its end is rounded up to one, into the zero padding.
func applyUpdate(_ kind: OptimizerKind, parameters: Matrix, gradients: Matrix, slots: [Matrix],
                 columns: Range<Int>, coefficients: UpdateCoefficients) {
    guard !columns.isEmpty else { return }
    precondition(parameters.rows == 1 && columns.lowerBound % 16 == 0, "bias updates take 16-aligned column blocks")
    let end = min(parameters.rowStride, (columns.upperBound + 15) / 16 * 16)
    applyUpdate(kind, parameters: parameters, gradients: gradients, slots: slots,
                elements: columns.lowerBound..<end, coefficients: coefficients)
}

/// The flat-range form: `elements` indexes the padded storage of every operand alike.
private func applyUpdate(_ kind: OptimizerKind, parameters: Matrix, gradients: Matrix, slots: [Matrix],
                         elements: Range<Int>, coefficients: UpdateCoefficients) {
    precondition(gradients.rowStride == parameters.rowStride && slots.allSatisfy { $0.rowStride == parameters.rowStride },
                 "optimizer operands must share a layout")
    let start = elements.lowerBound
    var operands = UpdateOperands(parameters: parameters.base + start, gradients: gradients.base + start,
                                  count: elements.count)
    if slots.count > 0 { operands.first = slots[0].base + start }
    if slots.count > 1 { operands.second = slots[1].base + start }
    switch kind {
    case .sgd: sgdUpdate(operands, coefficients)
    case .momentum, .nesterov: momentumUpdate(operands, coefficients)
    case .adam, .adamw: adamUpdate(operands, coefficients)
    }
}

/// Σ x² over `count` floats (a multiple of 16), accumulated in SIMD16 lanes in order, then the
/// lanes summed: a fixed order, so any thread that computes it gets the same value.
func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
    precondition(count % 16 == 0, "whole padded rows")
    var acc = SIMD16<Float>()
    for i in stride(from: 0, to: count, by: 16) {
        let v = load(x, i)
        acc += v * v
    }
    var total = 0.0
    for lane in 0..<16 { total += Double(acc[lane]) }
    return total
}

/// Max-norm for columns `columns` of `x` (the range starts on a multiple of 16 and ends on one
/// or at `x.cols`): each column whose L2 norm exceeds `limit` is scaled down to it. Columns are
/// processed 16 at a time, each one's squares summed over the rows in order, so the result does
/// not depend on how columns are split between threads. Padding columns are zero and stay so.
func constrainColumnNorms(_ x: Matrix, columns: Range<Int>, limit: Float) {
    guard !columns.isEmpty else { return }
    precondition(columns.lowerBound % 16 == 0, "column blocks start on a multiple of 16")
    var j = columns.lowerBound
    while j < columns.upperBound {
        var squares = SIMD16<Float>()
        for i in 0..<x.rows {
            let v = load(x.row(i), j)
            squares += v * v
        }
        let norms = squares.squareRoot()  // 16 scalar square roots per block: off the hot path
        let factor = SIMD16<Float>(repeating: 1).replacing(with: limit / norms, where: norms .> limit)
        if factor != SIMD16<Float>(repeating: 1) {
            for i in 0..<x.rows { store(load(x.row(i), j) * factor, x.row(i), j) }
        }
        j += 16
    }
}
