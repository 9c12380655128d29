/// What happens to a finished tile of accumulators before it is stored, while it is still in
/// registers: `C = f(α·acc + β·C + bias)`.
///
/// Fusing the bias and activation here saves a whole extra pass over the layer's output; fusing
/// `α = −η, β = 1` turns the weight-gradient GEMM into the SGD update itself.
struct GEMMEpilogue: @unchecked Sendable {  // the bias pointer is only read
    var alpha: Float = 1
    /// 0 means C is not read (it may hold garbage, even NaN), as in BLAS.
    var beta: Float = 0
    /// Per-column bias (n floats), added after scaling.
    var bias: UnsafePointer<Float>? = nil
    var activation: ActivationKernel = .identity

    static var plain: GEMMEpilogue { GEMMEpilogue() }

    /// Whether this is only `α·acc + β·C` (no bias, no activation): what the dX, weight-gradient
    /// and update GEMMs use, which full tiles store without `apply`'s dispatch.
    var isLinear: Bool { bias == nil && activation == .identity }

    /// Applies the epilogue to one 16-wide row segment; `existing` loads C only if β ≠ 0.
    @inline(__always)
    func apply(_ acc: SIMD16<Float>, column: Int, existing: () -> SIMD16<Float>, biasVector: () -> SIMD16<Float>) -> SIMD16<Float> {
        var value = alpha == 1 ? acc : acc * alpha
        if beta != 0 { value.addProduct(beta, existing()) }
        if bias != nil { value += biasVector() }
        switch activation {
        case .identity: return value
        case .relu: return reluVector(value)
        case .sigmoid: return sigmoidVector(value)
        case .tanh: return tanhVector(value)
        }
    }
}
