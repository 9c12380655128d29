/// Why `Trainer.run` returned before the last planned epoch (besides early stopping).
public enum TrainingInterruption: Sendable, Equatable {
    /// The caller's `shouldStop` said so (e.g. on Ctrl-C): the run can be resumed exactly.
    case stopRequested
    /// The loss blew up; the weights are not worth saving.
    case diverged(Divergence)
}

/// How far a run got into an epoch it did not finish: resuming starts at the next step.
public struct PartialEpoch: Sendable, Equatable {
    public let epoch: Int
    /// Optimizer steps of `epoch` already taken.
    public let stepsDone: Int
    /// The summed loss of those steps' batches (so the epoch's mean comes out the same).
    public let lossSum: Double
}

/// What the trainer tells its caller while it runs.
public enum TrainingEvent: Sendable {
    /// Mid-epoch progress: `done` of `total` samples after `seconds` of this epoch.
    case progress(epoch: Int, done: Int, total: Int, seconds: Double)
    case epochFinished(EpochReport)
}

/// Mini-batch training: per-epoch shuffle, gather → forward → loss → backward → optimizer
/// update per batch at the schedule's rate, then validation and test accuracy, the best epoch's
/// weights kept aside, and early stopping. All buffers are allocated before the first step.
public final class Trainer {
    public let options: TrainingOptions
    public let network: Network
    public internal(set) var generator: SeededGenerator
    let train: Dataset
    let validation: Dataset?
    let test: Dataset
    let context: ComputeContext
    let update: ParameterUpdate
    /// Per-phase timings of every step, when the run was asked to profile.
    public let profile: StepProfile?

    /// The first epoch `run` trains: 1, or the one after a resumed checkpoint's.
    public internal(set) var firstEpoch = 1
    /// The training images in this epoch's order: each epoch shuffles the previous order.
    var order: [Int] = []
    /// The best validation epoch so far and a copy of its weights (only when keeping the best).
    public internal(set) var best: EpochReport?
    let bestNetwork: Network?
    /// Whether the run stopped early (patience ran out).
    public private(set) var stoppedEarly = false
    /// Epochs finished, counting those of a resumed checkpoint.
    public internal(set) var epochsCompleted = 0
    /// Why the last `run` ended before its plan, if it did.
    public private(set) var interruption: TrainingInterruption?
    /// Where a stopped run was inside its unfinished epoch (nil at an epoch boundary).
    public internal(set) var partialEpoch: PartialEpoch?
    /// Judges every step's loss; its reference is part of the checkpoint.
    public internal(set) var divergenceGuard = DivergenceGuard()

    /// Builds and initializes the network for `data` (checked against the options first).
    public init(options: TrainingOptions, data: DatasetFolder, profile: Bool = false) throws(NNFastError) {
        try options.validate()
        try options.check(against: data)
        self.options = options
        let trainCount = data.train.count - options.validationCount
        train = options.validationCount > 0 ? data.train.slice(0..<trainCount) : data.train
        validation = options.validationCount > 0 ? data.train.slice(trainCount..<data.train.count) : nil
        test = data.test
        context = ComputeContext(threads: options.resolvedThreads)
        func makeNetwork() -> Network {
            Network(sizes: options.layers, activation: options.activation,
                    outputActivation: options.resolvedOutputActivation, loss: options.loss)
        }
        network = makeNetwork()
        bestNetwork = options.resolvedKeep == .best ? makeNetwork() : nil
        generator = SeededGenerator(seed: options.seed)
        network.initialize(options.initializer, using: &generator)
        update = ParameterUpdate(settings: options.optimizer, network: network)
        self.profile = profile ? StepProfile(layerCount: network.layers.count, parts: context.threads) : nil
        order = Array(0..<train.count)
    }

    public var trainingCount: Int { train.count }
    public var validationCount: Int { validation?.count ?? 0 }
    /// Optimizer steps per epoch: one per batch, the last batch possibly partial.
    public var stepsPerEpoch: Int { (train.count + options.batchSize - 1) / options.batchSize }

    /// The network the saved model holds: the best epoch's copy when keeping the best (and a
    /// best epoch exists yet), else the current weights.
    var savedNetwork: Network { best != nil ? bestNetwork ?? network : network }

    /// Runs every epoch (or until patience runs out, the loss diverges, or `shouldStop` — asked
    /// before each step — says so), reporting through `onEvent`; returns the per-epoch reports.
    /// `interruption` says why a run ended early, and `partialEpoch` how far it got.
    @discardableResult
    public func run(onEvent: (TrainingEvent) -> Void = { _ in }, shouldStop: () -> Bool = { false }) -> [EpochReport] {
        interruption = nil
        let stepJob = makeStepJob()
        let evaluationWorkspace = NetworkWorkspace(network: network, capacity: Evaluation.chunkSize)
        var reports: [EpochReport] = []
        for epoch in firstEpoch...max(firstEpoch, options.epochs) where epoch <= options.epochs && !stoppedEarly {
            let started = Stopwatch.now()
            guard let trained = trainEpoch(epoch, stepJob, started: started, onEvent: onEvent, shouldStop: shouldStop) else {
                return reports  // stopped or diverged: `interruption` says which
            }
            let report = evaluateEpoch(epoch, trained, trainSeconds: Stopwatch.seconds(since: started),
                                       workspace: evaluationWorkspace)
            epochsCompleted = epoch
            reports.append(report)
            onEvent(.epochFinished(report))
            if let patience = options.patience, let best, epoch - best.epoch >= patience {
                stoppedEarly = true
            }
        }
        return reports
    }

    /// The step job and every buffer it uses, allocated once for the whole run.
    private func makeStepJob() -> TrainingStepJob {
        let workspace = NetworkWorkspace(network: network, capacity: min(options.batchSize, train.count))
        if options.dropout.isOn {
            workspace.dropout = DropoutBuffers(settings: options.dropout, seed: options.seed, network: network,
                                               capacity: workspace.capacity)
        }
        let augmenter = options.augmentation.isOn
            ? Augmenter(settings: options.augmentation, imageShape: train.imageShape, seed: options.seed) : nil
        let stepJob = TrainingStepJob(network: network, data: train, workspace: workspace, context: context,
                                      update: update, profile: profile, augmenter: augmenter)
        stepJob.labelSmoothing = options.labelSmoothing
        return stepJob
    }

    /// One epoch's optimizer steps (from where a resumed run stopped, mid-epoch too): the summed
    /// loss and the last step's rate, or nil when the run stopped or diverged.
    private func trainEpoch(_ epoch: Int, _ stepJob: TrainingStepJob, started: UInt64,
                            onEvent: (TrainingEvent) -> Void, shouldStop: () -> Bool) -> (lossSum: Double, rate: Float)? {
        let batchSize = options.batchSize
        let progressEvery = max(1, 8192 / batchSize)
        let totalSteps = stepsPerEpoch * options.epochs
        generator.shuffle(&order)
        stepJob.epoch = epoch
        var (lossSum, batchIndex) = (0.0, 0)
        if let partial = partialEpoch, partial.epoch == epoch {  // resuming mid-epoch
            (lossSum, batchIndex) = (partial.lossSum, partial.stepsDone)
        }
        partialEpoch = nil
        var start = batchIndex * batchSize
        var rate: Float = 0
        while start < order.count {
            if shouldStop() {
                interruption = .stopRequested
                partialEpoch = batchIndex > 0 ? PartialEpoch(epoch: epoch, stepsDone: batchIndex, lossSum: lossSum) : nil
                return nil
            }
            let rows = min(batchSize, order.count - start)
            let step = (epoch - 1) * stepsPerEpoch + batchIndex
            rate = options.schedule.rate(step: step, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch,
                                         peak: options.learningRate)
            let nextStart = start + rows  // the next step's batch, for its images' prefetch
            let batchLoss = stepJob.step(order[start..<(start + rows)], rate: rate, step: step + 1,
                                         next: order[nextStart..<min(nextStart + batchSize, order.count)])
            if let divergence = divergenceGuard.check(meanLoss: batchLoss / Double(rows), epoch: epoch, step: batchIndex + 1,
                                                      stepsPerEpoch: stepsPerEpoch, learningRate: rate) {
                interruption = .diverged(divergence)
                return nil
            }
            lossSum += batchLoss
            start += rows
            batchIndex += 1
            if batchIndex % progressEvery == 0 {
                onEvent(.progress(epoch: epoch, done: start, total: order.count, seconds: Stopwatch.seconds(since: started)))
            }
        }
        return (lossSum, rate)
    }

    /// Validation and test accuracy after an epoch, as its report (marked if it is the best).
    private func evaluateEpoch(_ epoch: Int, _ trained: (lossSum: Double, rate: Float), trainSeconds: Double,
                               workspace: NetworkWorkspace) -> EpochReport {
        let evaluationStarted = Stopwatch.now()
        let validationAccuracy = validation.map {
            Evaluation.run(network, on: $0, workspace: workspace, context: context).accuracy
        }
        let testAccuracy = Evaluation.run(network, on: test, workspace: workspace, context: context).accuracy
        var report = EpochReport(
            epoch: epoch, trainLoss: trained.lossSum / Double(order.count),
            validationAccuracy: validationAccuracy, testAccuracy: testAccuracy,
            trainSeconds: trainSeconds, evaluationSeconds: Stopwatch.seconds(since: evaluationStarted),
            samples: order.count, learningRate: Double(trained.rate))
        report.isBest = recordIfBest(report)
        return report
    }

    /// Keeps `report`'s epoch as the best if its validation accuracy beats every earlier one
    /// (ties keep the earlier epoch); copies its weights when the run keeps the best.
    func recordIfBest(_ report: EpochReport) -> Bool {
        guard let accuracy = report.validationAccuracy else { return false }
        if let best, let bestAccuracy = best.validationAccuracy, accuracy <= bestAccuracy { return false }
        best = report
        if let bestNetwork {
            for (copy, layer) in zip(bestNetwork.layers, network.layers) {
                copy.weights.copy(from: layer.weights)
                copy.bias.copy(from: layer.bias)
            }
        }
        return true
    }
}
