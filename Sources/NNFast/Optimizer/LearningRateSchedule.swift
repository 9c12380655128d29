import Foundation

/// How the learning rate moves over a run, evaluated per step: after an optional linear warm-up
/// from η/W to η over the first W steps, one of the decay shapes below over the remaining steps.
public struct LearningRateSchedule: Sendable, Equatable {
    public enum Shape: String, CaseIterable, Sendable {
        /// η throughout.
        case constant
        /// η·γ^⌊epoch / N⌋: multiplied by `stepFactor` every `stepEpochs` epochs.
        case step
        /// η·½(1 + cos(π·p)), p the fraction of the post-warm-up steps done: from η to 0.
        case cosine
        /// η·(1 − p): from η down to 0 in a straight line.
        case linear
    }

    public var shape: Shape = .constant
    /// Warm-up length in epochs (fractions allowed); 0 for none.
    public var warmupEpochs: Double = 0
    /// For `step`: every how many epochs, and by what factor.
    public var stepEpochs: Int = 10
    public var stepFactor: Float = 0.1

    public init(_ shape: Shape = .constant) { self.shape = shape }

    func validate() throws(NNFastError) {
        guard warmupEpochs >= 0 && warmupEpochs.isFinite else {
            throw NNFastError.usage("--warmup", "must be 0 or more epochs, found \(warmupEpochs)")
        }
        guard stepEpochs >= 1 else { throw NNFastError.usage("--step-epochs", "must be at least 1, found \(stepEpochs)") }
        guard stepFactor > 0 && stepFactor <= 1 else {
            throw NNFastError.usage("--step-factor", "must be in (0, 1], found \(stepFactor)")
        }
    }

    /// The rate of step `step` (0-based) of a run of `totalSteps`, `stepsPerEpoch` a epoch,
    /// with peak rate `peak`. Computed in Double and rounded once, so it does not depend on
    /// anything but its arguments.
    public func rate(step: Int, totalSteps: Int, stepsPerEpoch: Int, peak: Float) -> Float {
        let warmup = min(Int((warmupEpochs * Double(stepsPerEpoch)).rounded()), totalSteps)
        if step < warmup {
            return Float(Double(peak) * Double(step + 1) / Double(warmup))
        }
        let decaySteps = max(1, totalSteps - warmup)
        let progress = min(1, Double(step - warmup) / Double(decaySteps))
        let factor: Double
        switch shape {
        case .constant: factor = 1
        case .step: factor = pow(Double(stepFactor), Double(step / max(1, stepsPerEpoch) / stepEpochs))
        case .cosine: factor = 0.5 * (1 + cos(Double.pi * progress))
        case .linear: factor = 1 - progress
        }
        return Float(Double(peak) * factor)
    }

    /// For the run header, e.g. `linear decay, 0.5-epoch warm-up`.
    public var summary: String {
        var text: String
        switch shape {
        case .constant: text = "constant rate"
        case .step: text = "×\(stepFactor) every \(stepEpochs) epochs"
        case .cosine: text = "cosine decay"
        case .linear: text = "linear decay"
        }
        if warmupEpochs > 0 { text += ", \(warmupEpochs)-epoch warm-up" }
        return text
    }
}
