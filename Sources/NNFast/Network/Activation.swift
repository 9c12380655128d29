/// A layer's nonlinearity f, applied elementwise to Z = X·W + b.
public enum Activation: String, CaseIterable, Sendable {
    case relu
    case sigmoid
    case tanh
    case identity

    var kernel: ActivationKernel {
        switch self {
        case .relu: .relu
        case .sigmoid: .sigmoid
        case .tanh: .tanh
        case .identity: .identity
        }
    }
}
