import Foundation

/// Catches a run that has blown up, so it is never saved as a success.
///
/// The rule, checked after every step on the batch's mean loss: the run has diverged when the
/// loss is not finite (NaN or ±∞), or when it exceeds `explosionFactor` times the reference,
/// the mean loss of the run's first step (at initialization). Softmax cross-entropy starts near
/// ln(classes) (2.3 for 10) and a confidently wrong batch stays within tens of it, so 1000× is
/// only reached by logits in the thousands: weights that have exploded. A bounded loss (a
/// sigmoid output under mse) can only trip the non-finite rule.
public struct DivergenceGuard: Sendable {
    public static let explosionFactor = 1000.0

    /// The first step's mean loss (kept in checkpoints, so a resumed run judges by the same).
    public internal(set) var referenceLoss: Double?

    public init(referenceLoss: Double? = nil) {
        self.referenceLoss = referenceLoss
    }

    /// Nil while the run is healthy; otherwise what went wrong, at `epoch`'s step `step`.
    mutating func check(meanLoss: Double, epoch: Int, step: Int, stepsPerEpoch: Int, learningRate: Float) -> Divergence? {
        guard meanLoss.isFinite else {
            return Divergence(epoch: epoch, step: step, stepsPerEpoch: stepsPerEpoch, loss: meanLoss,
                              referenceLoss: referenceLoss, learningRate: learningRate)
        }
        guard let referenceLoss else {
            referenceLoss = meanLoss
            return nil
        }
        guard meanLoss > Self.explosionFactor * max(referenceLoss, 1e-6) else { return nil }
        return Divergence(epoch: epoch, step: step, stepsPerEpoch: stepsPerEpoch, loss: meanLoss,
                          referenceLoss: referenceLoss, learningRate: learningRate)
    }
}

/// Where and how a run diverged.
public struct Divergence: Sendable, Equatable {
    public let epoch: Int
    /// The step within the epoch (1-based).
    public let step: Int
    public let stepsPerEpoch: Int
    /// The batch's mean loss at that step.
    public let loss: Double
    public let referenceLoss: Double?
    /// The rate that step ran at.
    public let learningRate: Float

    /// One line: where, what the loss did, and what to try.
    public var description: String {
        let what = loss.isFinite
            ? "the batch loss reached \(format(loss)), over \(Int(DivergenceGuard.explosionFactor))× the first step's \(format(referenceLoss ?? 0))"
            : "the batch loss became \(loss.isNaN ? "NaN" : "infinite")"
        return "training diverged at epoch \(epoch), step \(step) of \(stepsPerEpoch): \(what) (learning rate \(format(Double(learningRate)))); try a smaller --lr"
    }

    private func format(_ x: Double) -> String {
        abs(x) >= 1e5 || (abs(x) < 1e-3 && x != 0) ? String(format: "%.3g", x) : String(format: "%.4g", x)
    }
}
