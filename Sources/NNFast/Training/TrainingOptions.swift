import Foundation

/// Everything that defines a training run. `TrainingOptions()` is the tutorial recipe:
/// 784-100-200-10, ReLU, softmax cross-entropy, Xavier, plain SGD at a constant η = 0.1, batch
/// 32, seed 42, 10,000 held out, the last epoch kept. `nnfast train` starts from a
/// `TrainingPreset` instead (`fast` by default).
public struct TrainingOptions: Sendable, Equatable {
    public var layers: [Int] = [784, 100, 200, 10]
    public var activation: Activation = .relu
    /// nil: the loss's default (identity for the logit losses, sigmoid for MSE).
    public var outputActivation: Activation? = nil
    public var loss: Loss = .softmaxCrossEntropy
    public var initializer: Initializer = .xavier
    /// The peak learning rate η (the schedule scales it per step).
    public var learningRate: Float = 0.1
    public var optimizer = OptimizerSettings()
    public var schedule = LearningRateSchedule()
    /// Inverted dropout on the input and the hidden layers, in training only.
    public var dropout = DropoutSettings()
    /// Random distortions of each training image, drawn per (seed, epoch, sample).
    public var augmentation = AugmentationSettings()
    /// ε: train softmax cross-entropy against (1 − ε)·onehot + ε/classes (0: plain one-hot).
    public var labelSmoothing: Float = 0
    public var batchSize = 32
    public var epochs = 10
    public var seed: UInt64 = 42
    /// How many of the *last* training images are held out for validation.
    public var validationCount = 10_000
    /// Which epoch's weights the saved model holds; nil: `best` with a validation set, else `last`.
    public var keep: KeepPolicy? = nil
    /// Stop when validation accuracy has not improved for this many epochs (nil: never).
    public var patience: Int? = nil
    /// Worker threads; 0 means automatic (`resolvedThreads`).
    public var threads = 0

    public init() {}

    public var resolvedOutputActivation: Activation { outputActivation ?? loss.defaultOutputActivation }

    public var resolvedKeep: KeepPolicy { keep ?? (validationCount > 0 ? .best : .last) }

    /// The thread count a run uses: `threads` if set, else every core. Two threads beat one
    /// at every batch size measured on the 2-core machines (epoch seconds, 1 vs 2 threads:
    /// batch 4 0.57 vs 0.49, 8 0.38 vs 0.26, 16 0.26 vs 0.18, 32 0.21 vs 0.13, 256 0.18 vs 0.095).
    public var resolvedThreads: Int {
        threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount
    }

    /// Checks the options on their own (the data is checked by `check(against:)`).
    public func validate() throws(NNFastError) {
        guard layers.count >= 2 else {
            throw NNFastError.usage("--layers", "needs at least an input and an output size, e.g. 784,100,10")
        }
        if let bad = layers.first(where: { $0 <= 0 }) {
            throw NNFastError.usage("--layers", "layer sizes must be positive, found \(bad)")
        }
        guard epochs > 0 else { throw NNFastError.usage("--epochs", "must be at least 1, found \(epochs)") }
        guard batchSize > 0 else { throw NNFastError.usage("--batch", "must be at least 1, found \(batchSize)") }
        guard learningRate > 0 && learningRate.isFinite else {
            throw NNFastError.usage("--lr", "must be a positive number, found \(learningRate)")
        }
        guard validationCount >= 0 else {
            throw NNFastError.usage("--validation", "must be 0 or more, found \(validationCount)")
        }
        guard threads >= 0 else { throw NNFastError.usage("--threads", "must be at least 1 (or 0 for automatic), found \(threads)") }
        try optimizer.validate()
        guard labelSmoothing >= 0 && labelSmoothing < 1 else {
            throw NNFastError.usage("--label-smoothing", "must be in [0, 1), found \(labelSmoothing)")
        }
        if labelSmoothing > 0 && loss != .softmaxCrossEntropy {
            throw NNFastError.usage("--label-smoothing", "applies to --loss softmax-ce only, and the loss is \(loss.rawValue)")
        }
        try schedule.validate()
        try augmentation.validate()
        try dropout.validate()
        if keep == .best && validationCount == 0 {
            throw NNFastError.usage("--keep", "best needs a validation set to choose the epoch (--validation N with N > 0)")
        }
        if let patience {
            guard patience >= 1 else { throw NNFastError.usage("--patience", "must be at least 1 epoch, found \(patience)") }
            guard validationCount > 0 else {
                throw NNFastError.usage("--patience", "needs a validation set to watch (--validation N with N > 0)")
            }
        }
        if loss.takesLogits && resolvedOutputActivation != .identity {
            throw NNFastError.usage("--output-activation", "\(loss.rawValue) applies its own squashing to logits; the output activation must be identity")
        }
    }

    /// Checks that the network fits the data: input size = pixels per image, output size = the
    /// number of classes, every label in range, and enough training images left after the hold-out.
    public func check(against data: DatasetFolder) throws(NNFastError) {
        let pixels = data.train.pixelsPerImage
        guard layers[0] == pixels else {
            throw NNFastError.usage("--layers", "starts with \(layers[0]) but the images have \(pixels) pixels (\(data.train.imageShape.map(String.init).joined(separator: "×")))")
        }
        let classes = layers[layers.count - 1]
        try data.train.checkLabels(classCount: classes)
        try data.test.checkLabels(classCount: classes)
        let implied = max(data.train.impliedClassCount, data.test.impliedClassCount)
        guard implied == classes else {
            throw NNFastError.usage("--layers", "ends with \(classes) outputs but the labels go up to \(implied - 1) (\(implied) classes)")
        }
        if augmentation.isOn && !Augmenter.supports(data.train.imageShape) {
            throw NNFastError.usage("--augment", "needs 2-D single-channel images, and these are \(data.train.imageShape.map(String.init).joined(separator: "×"))")
        }
        guard validationCount < data.train.count else {
            throw NNFastError.usage("--validation", "holds out \(validationCount) images but the training set has only \(data.train.count)")
        }
    }
}

/// Which weights a run saves.
public enum KeepPolicy: String, CaseIterable, Sendable {
    /// The epoch with the highest validation accuracy (the first, on ties).
    case best
    /// The last epoch trained.
    case last
}
