import Foundation

/// The update rule a run trains with.
public enum OptimizerKind: String, CaseIterable, Sendable {
    /// θ ← θ − η·g. With no weight decay, its step is fused into the weight-gradient GEMM.
    case sgd
    /// Heavy-ball momentum (PyTorch's form): v ← μ·v + g, θ ← θ − η·v.
    case momentum
    /// Nesterov momentum: v ← μ·v + g, θ ← θ − η·(g + μ·v).
    case nesterov
    /// Adam with bias correction; `weightDecay` is L2 added to the gradient.
    case adam
    /// Adam with decoupled weight decay: θ ← θ − η·(adam step + λ·θ).
    case adamw

    /// The names of the per-parameter state tensors the rule keeps between steps.
    var slotNames: [String] {
        switch self {
        case .sgd: []
        case .momentum, .nesterov: ["velocity"]
        case .adam, .adamw: ["m", "v"]
        }
    }

    public var usesMomentum: Bool { self == .momentum || self == .nesterov }
    public var isAdam: Bool { self == .adam || self == .adamw }
}

/// An optimizer and its hyperparameters. Weight decay applies to weights, never to biases.
public struct OptimizerSettings: Sendable, Equatable {
    public var kind: OptimizerKind = .sgd
    /// μ, for momentum and Nesterov.
    public var momentum: Float = 0.9
    /// β₁, β₂ and ε, for Adam and AdamW.
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// λ: coupled L2 (added to the gradient) for sgd, momentum, nesterov and adam; decoupled for adamw.
    public var weightDecay: Float = 0
    /// Global gradient-norm clipping: when ‖g‖₂ over every weight and bias exceeds this, the
    /// whole gradient is scaled down to it (nil: off).
    public var clipNorm: Float? = nil
    /// Max-norm (Srivastava et al. 2014): after each step, every unit's incoming weights (a
    /// column of W) are scaled down to this L2 norm when longer (nil: off).
    public var maxNorm: Float? = nil

    public init(kind: OptimizerKind = .sgd) { self.kind = kind }

    func validate() throws(NNFastError) {
        guard momentum >= 0 && momentum < 1 else {
            throw NNFastError.usage("--momentum", "must be in [0, 1), found \(momentum)")
        }
        guard beta1 >= 0 && beta1 < 1 else { throw NNFastError.usage("--beta1", "must be in [0, 1), found \(beta1)") }
        guard beta2 >= 0 && beta2 < 1 else { throw NNFastError.usage("--beta2", "must be in [0, 1), found \(beta2)") }
        guard epsilon > 0 && epsilon.isFinite else {
            throw NNFastError.usage("--epsilon", "must be a positive number, found \(epsilon)")
        }
        for (flag, limit) in [("--clip-norm", clipNorm), ("--max-norm", maxNorm)] {
            if let limit, !(limit > 0 && limit.isFinite) {
                throw NNFastError.usage(flag, "must be a positive number, found \(limit)")
            }
        }
        guard weightDecay >= 0 && weightDecay.isFinite else {
            throw NNFastError.usage("--weight-decay", "must be 0 or a positive number, found \(weightDecay)")
        }
    }

    /// The coefficients of step `step` (1-based, for Adam's bias correction) at rate `rate`,
    /// for a weight tensor or (no decay) a bias.
    func coefficients(rate: Float, step: Int, forWeights: Bool) -> UpdateCoefficients {
        var c = UpdateCoefficients(rate: rate)
        let decay = forWeights ? weightDecay : 0
        if kind == .adamw { c.decoupled = decay } else { c.l2 = decay }
        c.momentum = momentum
        c.nesterov = kind == .nesterov
        c.beta1 = beta1
        c.beta2 = beta2
        c.epsilon = epsilon
        if kind.isAdam {
            // In Double, then rounded once: β₂ᵗ for t in the hundreds of thousands must not
            // collect float rounding step by step.
            c.correction1 = Float(1 - pow(Double(beta1), Double(step)))
            c.correction2 = Float(1 - pow(Double(beta2), Double(step)))
        }
        return c
    }

    /// One line for the run header, e.g. `nesterov (momentum 0.9)`.
    public var summary: String {
        var text = kind.rawValue
        var details: [String] = []
        if kind.usesMomentum { details.append("momentum \(momentum)") }
        if kind.isAdam { details.append("betas \(beta1)/\(beta2), eps \(epsilon)") }
        if weightDecay > 0 { details.append("\(kind == .adamw ? "decoupled" : "L2") weight decay \(weightDecay)") }
        if let clipNorm { details.append("gradient norm clipped at \(clipNorm)") }
        if let maxNorm { details.append("max-norm \(maxNorm)") }
        if !details.isEmpty { text += " (" + details.joined(separator: ", ") + ")" }
        return text
    }
}
