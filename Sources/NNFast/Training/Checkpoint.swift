/// Checkpoints: what `nnfast train` saves after every epoch, and how a run continues from one.
///
/// A checkpoint is a model file whose layer tensors are the weights the run keeps (the best
/// validation epoch's, or the last's), plus named tensors for what resuming needs and the model
/// does not: the optimizer's state and, when they differ from the kept ones, the last epoch's
/// weights. The recipe and the run's progress are metadata, under the keys below.
enum CheckpointKey: String {
    // The recipe.
    case seed, layers, activation, loss, initializer = "init", learningRate = "learning_rate", batch
    case epochsPlanned = "epochs_planned", validation, optimizer, momentum, beta1, beta2, epsilon
    case weightDecay = "weight_decay", schedule, warmupEpochs = "warmup_epochs", stepEpochs = "step_epochs"
    case stepFactor = "step_factor", keep, patience, labelSmoothing = "label_smoothing"
    case augment, augmentShift = "augment_shift", augmentRotation = "augment_rotation", augmentScale = "augment_scale"
    case augmentShear = "augment_shear", elasticAlpha = "elastic_alpha", elasticSigma = "elastic_sigma"
    case inputDropout = "input_dropout", dropout, clipNorm = "clip_norm", maxNorm = "max_norm"
    // The run's progress, and the epoch whose weights the model holds.
    case epochsCompleted = "epochs_completed", savedEpoch = "saved_epoch", bestEpoch = "best_epoch"
    case bestValidationAccuracy = "best_validation_accuracy", stoppedEarly = "stopped_early"
    case testAccuracy = "test_accuracy", validationAccuracy = "validation_accuracy", trainLoss = "train_loss"
    // A run stopped inside an epoch: the steps of the next epoch already taken and their summed
    // loss; and the divergence guard's reference loss.
    case epochStepsDone = "epoch_steps_done", epochLossSum = "epoch_loss_sum", referenceLoss = "reference_loss"
}

/// The name of layer `index`'s (0-based) last-epoch weights or bias in a checkpoint.
func resumeTensorName(layer index: Int, _ part: String) -> String { "resume.layer.\(index + 1).\(part)" }

/// One recipe field as checkpoint metadata: when it is written (some only matter for some
/// recipes), how it is written, and how it is read back. One table, `recipeFields`, serves
/// saving and resuming, so the two cannot drift apart.
private struct RecipeField {
    let key: CheckpointKey
    let write: (TrainingOptions) -> String?
    /// Sets the field from its text; false when the text does not parse. Nil: written for
    /// readers of the file only (the network itself gives layers, activation and loss back).
    let read: ((inout TrainingOptions, String) -> Bool)?

    /// A field stored as its description (numbers round-trip exactly), written when `when` holds.
    static func value<V: LosslessStringConvertible>(_ key: CheckpointKey, _ path: WritableKeyPath<TrainingOptions, V>,
                                                    when: @escaping (TrainingOptions) -> Bool = { _ in true }) -> RecipeField {
        RecipeField(key: key, write: { when($0) ? String($0[keyPath: path]) : nil },
                    read: { options, text in V(text).map { options[keyPath: path] = $0 } != nil })
    }

    /// An optional field, written when set (absent: nil).
    static func optional<V: LosslessStringConvertible>(_ key: CheckpointKey, _ path: WritableKeyPath<TrainingOptions, V?>) -> RecipeField {
        RecipeField(key: key, write: { $0[keyPath: path].map { String($0) } },
                    read: { options, text in V(text).map { options[keyPath: path] = $0 } != nil })
    }

    /// A named choice, stored as its raw name.
    static func choice<V: RawRepresentable<String>>(_ key: CheckpointKey, _ path: WritableKeyPath<TrainingOptions, V>,
                                                    when: @escaping (TrainingOptions) -> Bool = { _ in true }) -> RecipeField {
        RecipeField(key: key, write: { when($0) ? $0[keyPath: path].rawValue : nil },
                    read: { options, text in V(rawValue: text).map { options[keyPath: path] = $0 } != nil })
    }

    static func writtenOnly(_ key: CheckpointKey, _ write: @escaping (TrainingOptions) -> String) -> RecipeField {
        RecipeField(key: key, write: write, read: nil)
    }
}

/// Every recipe field a checkpoint stores, in the order of `TrainingOptions`. Fields a recipe
/// does not use (momentum for Adam, elastic strength without elastic distortion) are left out.
private var recipeFields: [RecipeField] { [
    .value(.seed, \.seed),
    .writtenOnly(.layers) { $0.layers.map(String.init).joined(separator: ",") },
    .writtenOnly(.activation) { $0.activation.rawValue },
    .writtenOnly(.loss) { $0.loss.rawValue },
    .choice(.initializer, \.initializer),
    .value(.learningRate, \.learningRate),
    .value(.batch, \.batchSize),
    .value(.epochsPlanned, \.epochs),
    .value(.validation, \.validationCount),
    .choice(.optimizer, \.optimizer.kind),
    .value(.momentum, \.optimizer.momentum, when: { $0.optimizer.kind.usesMomentum }),
    .value(.beta1, \.optimizer.beta1, when: { $0.optimizer.kind.isAdam }),
    .value(.beta2, \.optimizer.beta2, when: { $0.optimizer.kind.isAdam }),
    .value(.epsilon, \.optimizer.epsilon, when: { $0.optimizer.kind.isAdam }),
    .value(.weightDecay, \.optimizer.weightDecay),
    .optional(.clipNorm, \.optimizer.clipNorm),
    .optional(.maxNorm, \.optimizer.maxNorm),
    .choice(.schedule, \.schedule.shape),
    .value(.warmupEpochs, \.schedule.warmupEpochs),
    .value(.stepEpochs, \.schedule.stepEpochs, when: { $0.schedule.shape == .step }),
    .value(.stepFactor, \.schedule.stepFactor, when: { $0.schedule.shape == .step }),
    .writtenOnly(.keep) { $0.resolvedKeep.rawValue },  // read back apart: absent means last
    .optional(.patience, \.patience),
    .value(.labelSmoothing, \.labelSmoothing, when: { $0.labelSmoothing > 0 }),
    .value(.inputDropout, \.dropout.input, when: { $0.dropout.input > 0 }),
    .value(.dropout, \.dropout.hidden, when: { $0.dropout.hidden > 0 }),
    .choice(.augment, \.augmentation.kind, when: { $0.augmentation.isOn }),
    .value(.augmentShift, \.augmentation.shift, when: { $0.augmentation.isOn }),
    .value(.augmentRotation, \.augmentation.rotation, when: { $0.augmentation.isOn }),
    .value(.augmentScale, \.augmentation.scale, when: { $0.augmentation.isOn }),
    .value(.augmentShear, \.augmentation.shear, when: { $0.augmentation.isOn }),
    .value(.elasticAlpha, \.augmentation.elasticAlpha, when: { $0.augmentation.kind == .elastic }),
    .value(.elasticSigma, \.augmentation.elasticSigma, when: { $0.augmentation.kind == .elastic }),
] }

extension TrainingOptions {
    /// The recipe as checkpoint metadata.
    var checkpointMetadata: [CheckpointKey: String] {
        var metadata: [CheckpointKey: String] = [:]
        for field in recipeFields { metadata[field.key] = field.write(self) }
        return metadata
    }

    /// The recipe `checkpoint` was trained with. A checkpoint written before optimizers existed
    /// (format version 1) trained with plain SGD at a constant rate and kept its last epoch.
    init(checkpoint: ModelFile, file: String) throws(NNFastError) {
        let meta = checkpoint.metadata
        let required: [CheckpointKey] = [.epochsCompleted, .seed, .initializer, .validation]
        guard required.allSatisfy({ meta[$0.rawValue] != nil }) else {
            throw NNFastError(file, "is not a training checkpoint (its metadata lacks epochs_completed, seed, init or validation)")
        }
        self.init()
        let network = checkpoint.network
        layers = network.sizes
        activation = network.layers.count > 1 ? network.layers[0].activation : activation
        outputActivation = network.layers[network.layers.count - 1].activation
        loss = network.loss
        for field in recipeFields {
            guard let read = field.read, let text = meta[field.key.rawValue] else { continue }
            guard read(&self, text) else {
                throw NNFastError(file, "checkpoint metadata \(field.key.rawValue) = \"\(text)\" is not valid")
            }
        }
        keep = .last
        if let text = meta[CheckpointKey.keep.rawValue] {
            guard let policy = KeepPolicy(rawValue: text) else {
                throw NNFastError(file, "checkpoint metadata keep = \"\(text)\" is not valid")
            }
            keep = policy
        }
    }
}

extension Trainer {
    /// The run as it stands after `report`, packaged for saving: the kept weights as the model
    /// (with the training images' shape and the 1/255 normalization), `metadata` plus the recipe
    /// and progress, and the tensors resuming needs. With `precision` other than float32 the
    /// last weights are stored as well, in float32, so resuming stays exact.
    public func modelFile(after report: EpochReport?, metadata extra: [String: String] = [:],
                          precision: ModelFile.Precision = .float32) -> ModelFile {
        var metadata = extra
        var keys = options.checkpointMetadata
        // The figures of the epoch whose weights the model holds: the best one's, or the last
        // finished one's — none when the run stopped inside an epoch and keeps its last weights.
        let saved = bestNetwork != nil && best != nil ? best : partialEpoch == nil ? report : nil
        keys[.epochsCompleted] = String(max(epochsCompleted, report?.epoch ?? 0))
        if stoppedEarly { keys[.stoppedEarly] = "true" }
        if let partialEpoch {
            keys[.epochStepsDone] = String(partialEpoch.stepsDone)
            keys[.epochLossSum] = String(partialEpoch.lossSum)  // Double's description round-trips exactly
        }
        if let reference = divergenceGuard.referenceLoss { keys[.referenceLoss] = String(reference) }
        if let saved {
            keys[.savedEpoch] = String(saved.epoch)
            keys[.testAccuracy] = String(saved.testAccuracy)
            keys[.trainLoss] = String(saved.trainLoss)
            if let validation = saved.validationAccuracy { keys[.validationAccuracy] = String(validation) }
        }
        if let best, let accuracy = best.validationAccuracy {
            keys[.bestEpoch] = String(best.epoch)
            keys[.bestValidationAccuracy] = String(accuracy)
        }
        for (key, value) in keys { metadata[key.rawValue] = value }

        var model = ModelFile(inputShape: train.imageShape, pixelScale: 1.0 / 255.0, pixelOffset: 0,
                              network: savedNetwork, metadata: metadata)
        model.precision = precision
        // The last weights, when the model's tensors are not exactly them (an earlier best
        // epoch kept, or rounded to float16).
        let keptIsLast = savedNetwork === network || (partialEpoch == nil && best?.epoch == report?.epoch)
        if !keptIsLast || precision != .float32 {
            for (index, layer) in network.layers.enumerated() {
                model.extraTensors.append(NamedTensor(name: resumeTensorName(layer: index, "weight"), matrix: layer.weights))
                model.extraTensors.append(NamedTensor(name: resumeTensorName(layer: index, "bias"), matrix: layer.bias))
            }
        }
        model.extraTensors += update.state.namedTensors
        return model
    }

    /// A trainer that continues `checkpoint` (saved by an earlier run after some epoch) up to
    /// `epochs` in all, on `threads` threads: its recipe, weights, optimizer state and best
    /// epoch, from the epoch after its last.
    ///
    /// The random state is replayed, not stored: the same seed and initializer leave the
    /// generator where the original run had it after initialization, and re-drawing the
    /// completed epochs' shuffles brings both it and the image order to where that run was.
    /// So stopping and resuming gives the same bits as one run.
    public convenience init(resuming checkpoint: ModelFile, file: String, epochs: Int, threads: Int = 0,
                            data: DatasetFolder, profile: Bool = false) throws(NNFastError) {
        var options = try TrainingOptions(checkpoint: checkpoint, file: file)
        let meta = checkpoint.metadata
        guard let completed = meta[CheckpointKey.epochsCompleted.rawValue].flatMap({ Int($0) }) else {
            throw NNFastError(file, "checkpoint metadata epochs_completed is not a number")
        }
        guard completed < epochs else {
            throw NNFastError.usage("--epochs", "is \(epochs) but \(file) has already trained \(completed) epochs")
        }
        options.epochs = epochs
        options.threads = threads
        try self.init(options: options, data: data, profile: profile)
        let tensors = Dictionary(checkpoint.extraTensors.map { ($0.name, $0.matrix) }, uniquingKeysWith: { first, _ in first })
        try restoreWeights(checkpoint.network, resumeTensors: tensors, file: file)
        try update.state.restore(from: tensors, file: file)
        restoreBest(meta)
        for _ in 0..<completed { generator.shuffle(&order) }
        firstEpoch = completed + 1
        epochsCompleted = completed
        divergenceGuard = DivergenceGuard(referenceLoss: meta[CheckpointKey.referenceLoss.rawValue].flatMap { Double($0) })
        if let text = meta[CheckpointKey.epochStepsDone.rawValue] {
            guard let steps = Int(text), (1..<stepsPerEpoch).contains(steps),
                  let lossSum = meta[CheckpointKey.epochLossSum.rawValue].flatMap({ Double($0) }) else {
                throw NNFastError(file, "corrupt checkpoint: epoch_steps_done = \(text) (or its epoch_loss_sum) does not fit \(stepsPerEpoch) steps per epoch")
            }
            partialEpoch = PartialEpoch(epoch: completed + 1, stepsDone: steps, lossSum: lossSum)
        }
    }

    /// The last weights into the network (the resume tensors, or the model's own when it holds
    /// them), and the kept model's weights into the best copy.
    private func restoreWeights(_ saved: Network, resumeTensors tensors: [String: Matrix], file: String) throws(NNFastError) {
        for (index, (mine, kept)) in zip(network.layers, saved.layers).enumerated() {
            guard mine.activation == kept.activation else {
                throw NNFastError(file, "mixes hidden activations, which nnfast train cannot continue")
            }
            let weights = tensors[resumeTensorName(layer: index, "weight")] ?? kept.weights
            let bias = tensors[resumeTensorName(layer: index, "bias")] ?? kept.bias
            guard weights.rows == mine.weights.rows, weights.cols == mine.weights.cols,
                  bias.rows == mine.bias.rows, bias.cols == mine.bias.cols else {
                throw NNFastError(file, "corrupt checkpoint: layer \(index + 1)'s resume tensors do not match its shape")
            }
            mine.weights.copy(from: weights)
            mine.bias.copy(from: bias)
            bestNetwork?.layers[index].weights.copy(from: kept.weights)
            bestNetwork?.layers[index].bias.copy(from: kept.bias)
        }
    }

    /// The best epoch so far, from the metadata. Only its epoch and validation accuracy decide
    /// later comparisons; the kept epoch's other figures come back for the next save.
    private func restoreBest(_ meta: [String: String]) {
        guard let epoch = meta[CheckpointKey.bestEpoch.rawValue].flatMap({ Int($0) }),
              let accuracy = meta[CheckpointKey.bestValidationAccuracy.rawValue].flatMap({ Double($0) }) else { return }
        let savedEpochIsBest = meta[CheckpointKey.savedEpoch.rawValue] == String(epoch)
        func fact(_ key: CheckpointKey) -> Double? { savedEpochIsBest ? meta[key.rawValue].flatMap { Double($0) } : nil }
        var report = EpochReport(epoch: epoch, trainLoss: fact(.trainLoss) ?? .nan, validationAccuracy: accuracy,
                                 testAccuracy: fact(.testAccuracy) ?? .nan, trainSeconds: 0, evaluationSeconds: 0,
                                 samples: trainingCount)
        report.isBest = true
        best = report
    }
}

extension ModelFile {
    /// For a training checkpoint: the epochs its run planned in all.
    public var plannedEpochs: Int? { metadata[CheckpointKey.epochsPlanned.rawValue].flatMap { Int($0) } }
}
