/// How a layer's weights and biases are drawn before training.
public enum Initializer: String, CaseIterable, Sendable {
    /// Glorot & Bengio: W ~ U(−√(6/(in+out)), +√(6/(in+out))), b = 0.
    case xavier
    /// He et al.: W ~ N(0, 2/in), b = 0 — suited to ReLU.
    case he
    /// Nielsen's book: W ~ N(0, 1) and b ~ N(0, 1).
    case gaussian
    /// W ~ 0.1·N(0, 1), b = 0.
    case scaledGaussian = "scaled-gaussian"

    /// Fills `weights` (in×out) and `bias` (1×out) drawing from `generator`, row by row.
    func initialize(weights: Matrix, bias: Matrix, using generator: inout SeededGenerator) {
        let fanIn = Double(weights.rows), fanOut = Double(weights.cols)
        let w = weights.base
        switch self {
        case .xavier:
            let limit = (6 / (fanIn + fanOut)).squareRoot()
            for i in 0..<weights.count { w[i] = Float((2 * generator.nextUniform() - 1) * limit) }
            bias.fill(0)
        case .he:
            let deviation = (2 / fanIn).squareRoot()
            for i in 0..<weights.count { w[i] = Float(generator.nextGaussian() * deviation) }
            bias.fill(0)
        case .gaussian:
            for i in 0..<weights.count { w[i] = Float(generator.nextGaussian()) }
            for j in 0..<bias.count { bias.base[j] = Float(generator.nextGaussian()) }
        case .scaledGaussian:
            for i in 0..<weights.count { w[i] = Float(0.1 * generator.nextGaussian()) }
            bias.fill(0)
        }
    }
}
