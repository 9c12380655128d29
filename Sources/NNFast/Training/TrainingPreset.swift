/// Named recipes for `nnfast train --preset`: each is a set of flags, printed at the start of a
/// run, and every flag the user gives overrides its part. They were chosen by measurement
/// (`tools/preset_search.py`; the runs are in README).
public enum TrainingPreset: String, CaseIterable, Sendable {
    /// The default: the best test accuracy for under a second of a 2-core machine (README,
    /// `tools/preset_search.py fast-4ep-check`: 98.18% mean over 10 seeds, 98.08% worst, in four
    /// epochs, 0.74 s, where the earlier five-epoch recipe took 0.89 s for 98.16% / 98.03%).
    case fast
    /// The most accurate plain MLP within 10 minutes of a 2-core machine: elastic distortions
    /// (Simard et al. 2003, with Cireșan et al. 2010's strengths) on 784-1200-1200-10, 50 epochs
    /// (`tools/preset_search.py best-zen3`, Zen 3: 99.42% mean over seeds 42, 1, 2, 99.36% worst,
    /// 7.0-7.7 min; 40 epochs gave 99.31%, 90 epochs 99.48% on seed 42 but 13 min on Zen 3).
    case best
    /// The numpy tutorial's recipe (plain SGD at a constant rate, last epoch kept), for people
    /// who compare with it.
    case tutorial

    /// The preset as the flags it stands for.
    public var flags: String {
        let o = options
        var parts = ["--layers \(o.layers.map(String.init).joined(separator: ","))",
                     "--optimizer \(o.optimizer.kind.rawValue)"]
        if o.optimizer.kind.usesMomentum { parts.append("--momentum \(o.optimizer.momentum)") }
        parts.append("--lr \(o.learningRate)")
        parts.append("--schedule \(o.schedule.shape.rawValue)")
        if o.schedule.warmupEpochs > 0 { parts.append("--warmup \(o.schedule.warmupEpochs)") }
        if o.augmentation.isOn {
            let a = o.augmentation
            parts.append("--augment \(a.kind.rawValue) --shift \(a.shift) --rotate \(a.rotation) --scale \(a.scale) --shear \(a.shear)")
            if a.kind == .elastic { parts.append("--elastic-alpha \(a.elasticAlpha) --elastic-sigma \(a.elasticSigma)") }
        }
        if let clip = o.optimizer.clipNorm { parts.append("--clip-norm \(clip)") }
        if let limit = o.optimizer.maxNorm { parts.append("--max-norm \(limit)") }
        if o.dropout.input > 0 { parts.append("--input-dropout \(o.dropout.input)") }
        if o.dropout.hidden > 0 { parts.append("--dropout \(o.dropout.hidden)") }
        if o.labelSmoothing > 0 { parts.append("--label-smoothing \(o.labelSmoothing)") }
        if o.optimizer.weightDecay > 0 { parts.append("--weight-decay \(o.optimizer.weightDecay)") }
        parts += ["--batch \(o.batchSize)", "--epochs \(o.epochs)", "--init \(o.initializer.rawValue)",
                  "--validation \(o.validationCount)"]
        if let keep = o.keep { parts.append("--keep \(keep.rawValue)") }
        return parts.joined(separator: " ")
    }

    public var options: TrainingOptions {
        var o = TrainingOptions()
        switch self {
        case .tutorial:
            o.keep = .last
        case .best:
            o.layers = [784, 1200, 1200, 10]
            o.initializer = .he
            o.optimizer = OptimizerSettings(kind: .nesterov)
            o.optimizer.momentum = 0.9
            o.learningRate = 0.05
            o.schedule = LearningRateSchedule(.cosine)
            o.schedule.warmupEpochs = 1
            o.batchSize = 128
            o.epochs = 50
            o.validationCount = 5000
            o.augmentation = AugmentationSettings(.elastic)
            o.augmentation.rotation = 15
            o.augmentation.scale = 0.15
            o.augmentation.elasticAlpha = 36
            o.augmentation.elasticSigma = 6
        case .fast:
            o.layers = [784, 100, 200, 10]
            o.initializer = .he
            o.optimizer = OptimizerSettings(kind: .nesterov)
            o.optimizer.momentum = 0.9
            o.learningRate = 0.25
            o.schedule = LearningRateSchedule(.linear)
            o.schedule.warmupEpochs = 0.5
            o.labelSmoothing = 0.05
            o.batchSize = 128
            o.epochs = 4
            o.validationCount = 5000
            // keep: the best validation epoch (the last when --validation 0).
        }
        return o
    }
}
