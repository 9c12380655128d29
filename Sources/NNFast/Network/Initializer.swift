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
        // Draws in row-major order of the logical elements.
        func draw(_ matrix: Matrix, _ value: (inout SeededGenerator) -> Double) {
            for i in 0..<matrix.rows {
                for j in 0..<matrix.cols { matrix[i, j] = Float(value(&generator)) }
            }
        }
        switch self {
        case .xavier:
            let limit = (6 / (fanIn + fanOut)).squareRoot()
            draw(weights) { (2 * $0.nextUniform() - 1) * limit }
            bias.fill(0)
        case .he:
            let deviation = (2 / fanIn).squareRoot()
            draw(weights) { $0.nextGaussian() * deviation }
            bias.fill(0)
        case .gaussian:
            draw(weights) { $0.nextGaussian() }
            draw(bias) { $0.nextGaussian() }
        case .scaledGaussian:
            draw(weights) { 0.1 * $0.nextGaussian() }
            bias.fill(0)
        }
    }
}
