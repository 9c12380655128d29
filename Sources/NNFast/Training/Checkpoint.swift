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

extension TrainingOptions {
    /// The recipe as checkpoint metadata.
    var checkpointMetadata: [CheckpointKey: String] {
        var m: [CheckpointKey: String] = [
            .seed: String(seed), .layers: layers.map(String.init).joined(separator: ","),
            .activation: activation.rawValue, .loss: loss.rawValue, .initializer: initializer.rawValue,
            .learningRate: String(learningRate), .batch: String(batchSize), .epochsPlanned: String(epochs),
            .validation: String(validationCount), .optimizer: optimizer.kind.rawValue,
            .weightDecay: String(optimizer.weightDecay), .schedule: schedule.shape.rawValue,
            .warmupEpochs: String(schedule.warmupEpochs), .keep: resolvedKeep.rawValue,
        ]
        if optimizer.kind.usesMomentum { m[.momentum] = String(optimizer.momentum) }
        if optimizer.kind.isAdam {
            m[.beta1] = String(optimizer.beta1); m[.beta2] = String(optimizer.beta2); m[.epsilon] = String(optimizer.epsilon)
        }
        if schedule.shape == .step { m[.stepEpochs] = String(schedule.stepEpochs); m[.stepFactor] = String(schedule.stepFactor) }
        if let patience { m[.patience] = String(patience) }
        if labelSmoothing > 0 { m[.labelSmoothing] = String(labelSmoothing) }
        if let clip = optimizer.clipNorm { m[.clipNorm] = String(clip) }
        if let limit = optimizer.maxNorm { m[.maxNorm] = String(limit) }
        if dropout.input > 0 { m[.inputDropout] = String(dropout.input) }
        if dropout.hidden > 0 { m[.dropout] = String(dropout.hidden) }
        if augmentation.isOn {
            let a = augmentation
            m[.augment] = a.kind.rawValue
            m[.augmentShift] = String(a.shift); m[.augmentRotation] = String(a.rotation)
            m[.augmentScale] = String(a.scale); m[.augmentShear] = String(a.shear)
            if a.kind == .elastic { m[.elasticAlpha] = String(a.elasticAlpha); m[.elasticSigma] = String(a.elasticSigma) }
        }
        return m
    }

    /// The recipe `checkpoint` was trained with. A checkpoint written before optimizers existed
    /// (format version 1) trained with plain SGD at a constant rate and kept its last epoch.
    init(checkpoint: ModelFile, file: String) throws(NNFastError) {
        let meta = checkpoint.metadata
        func value<T>(_ key: CheckpointKey, _ parse: (String) -> T?) throws(NNFastError) -> T? {
            guard let text = meta[key.rawValue] else { return nil }
            guard let parsed = parse(text) else {
                throw NNFastError(file, "checkpoint metadata \(key.rawValue) = \"\(text)\" is not valid")
            }
            return parsed
        }
        guard meta[CheckpointKey.epochsCompleted.rawValue] != nil, let seed = try value(.seed, { UInt64($0) }),
              let initializer = try value(.initializer, Initializer.init(rawValue:)),
              let validation = try value(.validation, { Int($0) }) else {
            throw NNFastError(file, "is not a training checkpoint (its metadata lacks epochs_completed, seed, init or validation)")
        }
        self.init()
        let network = checkpoint.network
        layers = network.sizes
        activation = network.layers.count > 1 ? network.layers[0].activation : activation
        outputActivation = network.layers[network.layers.count - 1].activation
        loss = network.loss
        self.seed = seed
        self.initializer = initializer
        validationCount = validation
        if let rate = try value(.learningRate, { Float($0) }) { learningRate = rate }
        if let batch = try value(.batch, { Int($0) }) { batchSize = batch }
        if let kind = try value(.optimizer, OptimizerKind.init(rawValue:)) { optimizer.kind = kind }
        if let x = try value(.momentum, { Float($0) }) { optimizer.momentum = x }
        if let x = try value(.beta1, { Float($0) }) { optimizer.beta1 = x }
        if let x = try value(.beta2, { Float($0) }) { optimizer.beta2 = x }
        if let x = try value(.epsilon, { Float($0) }) { optimizer.epsilon = x }
        if let x = try value(.weightDecay, { Float($0) }) { optimizer.weightDecay = x }
        if let x = try value(.schedule, LearningRateSchedule.Shape.init(rawValue:)) { schedule.shape = x }
        if let x = try value(.warmupEpochs, { Double($0) }) { schedule.warmupEpochs = x }
        if let x = try value(.stepEpochs, { Int($0) }) { schedule.stepEpochs = x }
        if let x = try value(.stepFactor, { Float($0) }) { schedule.stepFactor = x }
        keep = try value(.keep, KeepPolicy.init(rawValue:)) ?? .last
        patience = try value(.patience, { Int($0) })
        labelSmoothing = try value(.labelSmoothing, { Float($0) }) ?? 0
        optimizer.clipNorm = try value(.clipNorm, { Float($0) })
        optimizer.maxNorm = try value(.maxNorm, { Float($0) })
        dropout.input = try value(.inputDropout, { Float($0) }) ?? 0
        dropout.hidden = try value(.dropout, { Float($0) }) ?? 0
        if let kind = try value(.augment, AugmentationSettings.Kind.init(rawValue:)) { augmentation.kind = kind }
        if let x = try value(.augmentShift, { Float($0) }) { augmentation.shift = x }
        if let x = try value(.augmentRotation, { Float($0) }) { augmentation.rotation = x }
        if let x = try value(.augmentScale, { Float($0) }) { augmentation.scale = x }
        if let x = try value(.augmentShear, { Float($0) }) { augmentation.shear = x }
        if let x = try value(.elasticAlpha, { Float($0) }) { augmentation.elasticAlpha = x }
        if let x = try value(.elasticSigma, { Float($0) }) { augmentation.elasticSigma = x }
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
        let saved = checkpoint.network
        let tensors = Dictionary(checkpoint.extraTensors.map { ($0.name, $0.matrix) }, uniquingKeysWith: { first, _ in first })
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
        try update.state.restore(from: tensors, file: file)
        if let epoch = meta[CheckpointKey.bestEpoch.rawValue].flatMap({ Int($0) }),
           let accuracy = meta[CheckpointKey.bestValidationAccuracy.rawValue].flatMap({ Double($0) }) {
            // Only the epoch and its validation accuracy decide later comparisons; the kept
            // epoch's other figures come back from the metadata for the next save.
            let savedEpochIsBest = meta[CheckpointKey.savedEpoch.rawValue] == String(epoch)
            func fact(_ key: CheckpointKey) -> Double? { savedEpochIsBest ? meta[key.rawValue].flatMap { Double($0) } : nil }
            var report = EpochReport(epoch: epoch, trainLoss: fact(.trainLoss) ?? .nan, validationAccuracy: accuracy,
                                     testAccuracy: fact(.testAccuracy) ?? .nan, trainSeconds: 0, evaluationSeconds: 0,
                                     samples: trainingCount)
            report.isBest = true
            best = report
        }
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
}

extension ModelFile {
    /// For a training checkpoint: the epochs its run planned in all.
    public var plannedEpochs: Int? { metadata[CheckpointKey.epochsPlanned.rawValue].flatMap { Int($0) } }
}
