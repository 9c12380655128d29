import ArgumentParser
import NNFast

/// The recipe flags of `nnfast train` (an option group): each one given overrides its part of
/// the preset. One table, `overrides`, says for every flag what it changes, so the flags the
/// user gave and the options they make never disagree.
struct RecipeOptions: ParsableArguments {
    @Option(help: "Layer sizes from input to output, comma-separated (fast: \(TrainingPreset.fast.options.layers.map(String.init).joined(separator: ","))).")
    var layers: SizeList?

    @Option(help: "Hidden-layer activation (default: relu).")
    var activation: Activation?

    @Option(help: "Output-layer activation (default: identity for softmax-ce/sigmoid-ce, sigmoid for mse).")
    var outputActivation: Activation?

    @Option(help: "Loss to minimize (default: softmax-ce).")
    var loss: Loss?

    @Option(name: .customLong("init"), help: "Weight initialization (fast: \(TrainingPreset.fast.options.initializer.rawValue), tutorial: xavier).")
    var initializer: Initializer?

    @Option(help: ArgumentHelp("Update rule (fast: \(TrainingPreset.fast.options.optimizer.kind.rawValue), tutorial: sgd).",
                               valueName: OptimizerKind.allCases.map(\.rawValue).joined(separator: "|")))
    var optimizer: OptimizerKind?

    @Option(name: .customLong("lr"), help: "Peak learning rate: the schedule scales it per step (fast: \(TrainingPreset.fast.options.learningRate), tutorial: 0.1).")
    var learningRate: Float?

    @Option(help: "Momentum μ, for --optimizer momentum or nesterov (default: 0.9).")
    var momentum: Float?

    @Option(help: "Adam's β₁, for --optimizer adam or adamw (default: 0.9).")
    var beta1: Float?

    @Option(help: "Adam's β₂, for --optimizer adam or adamw (default: 0.999).")
    var beta2: Float?

    @Option(help: "Adam's ε, for --optimizer adam or adamw (default: 1e-8).")
    var epsilon: Float?

    @Option(help: "Weight decay λ on weights (not biases): L2 added to the gradient, or decoupled with adamw (default: 0).")
    var weightDecay: Float?

    @Option(help: "Clip the gradient's global L2 norm (over every weight and bias) to this (default: off).")
    var clipNorm: Float?

    @Option(help: "Max-norm: after each step, scale each unit's incoming weights down to this L2 norm when longer (default: off).")
    var maxNorm: Float?

    @Option(help: ArgumentHelp("Learning-rate schedule over the run, per step (fast: \(TrainingPreset.fast.options.schedule.shape.rawValue), tutorial: constant).",
                               valueName: LearningRateSchedule.Shape.allCases.map(\.rawValue).joined(separator: "|")))
    var schedule: LearningRateSchedule.Shape?

    @Option(help: "Linear warm-up from 0 to --lr over this many epochs, fractions allowed (default: 0).")
    var warmup: Double?

    @Option(help: "For --schedule step: multiply the rate by --step-factor every this many epochs (default: 10).")
    var stepEpochs: Int?

    @Option(help: "For --schedule step: the factor (default: 0.1).")
    var stepFactor: Float?

    @Option(help: "Label smoothing ε for softmax-ce: targets (1 − ε)·onehot + ε/classes (fast: \(TrainingPreset.fast.options.labelSmoothing), tutorial: 0).")
    var labelSmoothing: Float?

    @Option(help: "Inverted dropout on every hidden layer's output, in training: the probability of dropping a unit (default: 0).")
    var dropout: Float?

    @Option(help: "Inverted dropout on the input pixels, in training (default: 0).")
    var inputDropout: Float?

    @Option(help: ArgumentHelp("Distort each training image afresh every epoch: affine (shift, rotation, scale, shear), or elastic (Simard 2003) on top of it (default: none).",
                               valueName: "none|affine|elastic"))
    var augment: AugmentationSettings.Kind?

    @Option(help: "Augmentation: largest shift in pixels, each axis (default: 2).")
    var shift: Float?

    @Option(help: "Augmentation: largest rotation in degrees (default: 10).")
    var rotate: Float?

    @Option(help: "Augmentation: largest scale change, each axis: 1 ± this (default: 0.1).")
    var scale: Float?

    @Option(help: "Augmentation: largest horizontal shear (default: 0.1).")
    var shear: Float?

    @Option(help: "Elastic augmentation: strength α of the displacement field, in pixels (default: 34).")
    var elasticAlpha: Float?

    @Option(help: "Elastic augmentation: smoothness σ of the displacement field, in pixels (default: 4).")
    var elasticSigma: Float?

    @Option(help: "Mini-batch size (fast: \(TrainingPreset.fast.options.batchSize), tutorial: 32).")
    var batch: Int?

    @Option(help: "Number of passes over the training images (fast: \(TrainingPreset.fast.options.epochs), tutorial: 10).")
    var epochs: Int?

    @Option(help: ArgumentHelp("Which epoch's weights the saved model holds: the best validation accuracy, or the last (default: best when there is a validation set; tutorial: last).",
                               valueName: "best|last"))
    var keep: KeepPolicy?

    @Option(help: "Stop early when validation accuracy has not improved for this many epochs (default: never).")
    var patience: Int?

    @Option(help: "How many of the last training images to hold out for validation, 0 for none (fast: \(TrainingPreset.fast.options.validationCount), tutorial: 10000).")
    var validation: Int?

    /// One flag: its name, and what it changes in the options when given (nil when not given).
    private struct Override {
        let flag: String
        let apply: ((inout TrainingOptions) -> Void)?
    }

    private func given<Value>(_ flag: String, _ value: Value?,
                              _ apply: @escaping (inout TrainingOptions, Value) -> Void) -> Override {
        Override(flag: flag, apply: value.map { value in { apply(&$0, value) } })
    }

    private var overrides: [Override] {
        [
            given("--layers", layers) { $0.layers = $1.sizes },
            given("--activation", activation) { $0.activation = $1 },
            given("--output-activation", outputActivation) { $0.outputActivation = $1 },
            given("--loss", loss) { $0.loss = $1 },
            given("--init", initializer) { $0.initializer = $1 },
            given("--optimizer", optimizer) { $0.optimizer.kind = $1 },
            given("--lr", learningRate) { $0.learningRate = $1 },
            given("--momentum", momentum) { $0.optimizer.momentum = $1 },
            given("--beta1", beta1) { $0.optimizer.beta1 = $1 },
            given("--beta2", beta2) { $0.optimizer.beta2 = $1 },
            given("--epsilon", epsilon) { $0.optimizer.epsilon = $1 },
            given("--weight-decay", weightDecay) { $0.optimizer.weightDecay = $1 },
            given("--clip-norm", clipNorm) { $0.optimizer.clipNorm = $1 },
            given("--max-norm", maxNorm) { $0.optimizer.maxNorm = $1 },
            given("--schedule", schedule) { $0.schedule.shape = $1 },
            given("--warmup", warmup) { $0.schedule.warmupEpochs = $1 },
            given("--step-epochs", stepEpochs) { $0.schedule.stepEpochs = $1 },
            given("--step-factor", stepFactor) { $0.schedule.stepFactor = $1 },
            given("--batch", batch) { $0.batchSize = $1 },
            given("--label-smoothing", labelSmoothing) { $0.labelSmoothing = $1 },
            given("--dropout", dropout) { $0.dropout.hidden = $1 },
            given("--input-dropout", inputDropout) { $0.dropout.input = $1 },
            given("--augment", augment) { $0.augmentation.kind = $1 },
            given("--shift", shift) { $0.augmentation.shift = $1 },
            given("--rotate", rotate) { $0.augmentation.rotation = $1 },
            given("--scale", scale) { $0.augmentation.scale = $1 },
            given("--shear", shear) { $0.augmentation.shear = $1 },
            given("--elastic-alpha", elasticAlpha) { $0.augmentation.elasticAlpha = $1 },
            given("--elastic-sigma", elasticSigma) { $0.augmentation.elasticSigma = $1 },
            given("--keep", keep) { $0.keep = $1 },
            given("--patience", patience) { $0.patience = $1 },
            given("--validation", validation) { $0.validationCount = $1 },
            given("--epochs", epochs) { $0.epochs = $1 },
        ]
    }

    /// The flags the user gave, in the order of `overrides` (--epochs last).
    var givenFlags: [String] { overrides.filter { $0.apply != nil }.map(\.flag) }

    /// `base` (a preset's options) with every given flag applied over it. A preset's label
    /// smoothing belongs to its softmax-ce loss: another `--loss` drops it (unless given too).
    func applied(to base: TrainingOptions) -> TrainingOptions {
        var options = base
        for override in overrides { override.apply?(&options) }
        if labelSmoothing == nil && options.loss != .softmaxCrossEntropy { options.labelSmoothing = 0 }
        return options
    }

    /// Flags that make no sense together with the resulting `options`: one line naming the flag.
    func checkCombinations(_ options: TrainingOptions) throws(NNFastError) {
        let kind = options.optimizer.kind
        if momentum != nil && !kind.usesMomentum {
            throw NNFastError.usage("--momentum", "only applies to --optimizer momentum or nesterov, and the optimizer is \(kind.rawValue)")
        }
        for (flag, value) in [("--beta1", beta1), ("--beta2", beta2), ("--epsilon", epsilon)] where value != nil && !kind.isAdam {
            throw NNFastError.usage(flag, "only applies to --optimizer adam or adamw, and the optimizer is \(kind.rawValue)")
        }
        for (flag, given) in [("--step-epochs", stepEpochs != nil), ("--step-factor", stepFactor != nil)]
        where given && options.schedule.shape != .step {
            throw NNFastError.usage(flag, "only applies to --schedule step, and the schedule is \(options.schedule.shape.rawValue)")
        }
        let kindOfAugmentation = options.augmentation.kind
        for (flag, given) in [("--shift", shift), ("--rotate", rotate), ("--scale", scale), ("--shear", shear)]
        where given != nil && kindOfAugmentation == .none {
            throw NNFastError.usage(flag, "only applies with --augment affine or elastic, and augmentation is off")
        }
        for (flag, given) in [("--elastic-alpha", elasticAlpha), ("--elastic-sigma", elasticSigma)]
        where given != nil && kindOfAugmentation != .elastic {
            throw NNFastError.usage(flag, "only applies with --augment elastic, and augmentation is \(kindOfAugmentation.rawValue)")
        }
    }
}
