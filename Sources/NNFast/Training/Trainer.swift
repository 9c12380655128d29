import Dispatch

/// What the trainer tells its caller while it runs.
public enum TrainingEvent: Sendable {
    /// Mid-epoch progress: `done` of `total` samples after `seconds` of this epoch.
    case progress(epoch: Int, done: Int, total: Int, seconds: Double)
    case epochFinished(EpochReport)
}

/// Mini-batch training: per-epoch shuffle, gather → forward → loss → backward → update per
/// batch, then validation and test accuracy. All buffers are allocated before the first step.
public final class Trainer {
    public let options: TrainingOptions
    public let network: Network
    public private(set) var generator: SeededGenerator
    let train: Dataset
    let validation: Dataset?
    let test: Dataset
    let context: ComputeContext
    /// Per-phase timings of every step, when the run was asked to profile.
    public let profile: StepProfile?

    /// Builds and initializes the network for `data` (checked against the options first).
    /// The first epoch `run` trains: 1, or the one after a resumed checkpoint's.
    public private(set) var firstEpoch = 1
    /// The training images in this epoch's order: each epoch shuffles the previous order.
    private var order: [Int] = []

    public init(options: TrainingOptions, data: DatasetFolder, profile: Bool = false) throws(NNFastError) {
        try options.validate()
        try options.check(against: data)
        self.options = options
        let trainCount = data.train.count - options.validationCount
        train = options.validationCount > 0 ? data.train.slice(0..<trainCount) : data.train
        validation = options.validationCount > 0 ? data.train.slice(trainCount..<data.train.count) : nil
        test = data.test
        context = ComputeContext(threads: options.resolvedThreads)
        network = Network(sizes: options.layers, activation: options.activation,
                          outputActivation: options.resolvedOutputActivation, loss: options.loss)
        generator = SeededGenerator(seed: options.seed)
        network.initialize(options.initializer, using: &generator)
        self.profile = profile ? StepProfile(layerCount: network.layers.count) : nil
        order = Array(0..<train.count)
    }

    public var trainingCount: Int { train.count }
    public var validationCount: Int { validation?.count ?? 0 }

    /// Runs every epoch, reporting through `onEvent`; returns the per-epoch reports.
    @discardableResult
    public func run(onEvent: (TrainingEvent) -> Void = { _ in }) -> [EpochReport] {
        let batchSize = options.batchSize
        let workspace = NetworkWorkspace(network: network, capacity: min(batchSize, train.count))
        let evaluationWorkspace = NetworkWorkspace(network: network, capacity: Evaluation.chunkSize)
        let stepJob = TrainingStepJob(network: network, data: train, workspace: workspace, context: context,
                                      learningRate: options.learningRate, profile: profile)
        var reports: [EpochReport] = []
        let progressEvery = max(1, 8192 / batchSize)

        for epoch in firstEpoch...max(firstEpoch, options.epochs) where epoch <= options.epochs {
            generator.shuffle(&order)
            let started = DispatchTime.now().uptimeNanoseconds
            var lossSum = 0.0
            var start = 0
            var batchIndex = 0
            while start < order.count {
                let rows = min(batchSize, order.count - start)
                lossSum += stepJob.step(order[start..<(start + rows)])
                start += rows
                batchIndex += 1
                if batchIndex % progressEvery == 0 {
                    onEvent(.progress(epoch: epoch, done: start, total: order.count, seconds: seconds(since: started)))
                }
            }
            let trainSeconds = seconds(since: started)
            let evaluationStarted = DispatchTime.now().uptimeNanoseconds
            let validationAccuracy = validation.map {
                Evaluation.run(network, on: $0, workspace: evaluationWorkspace, context: context).accuracy
            }
            let testAccuracy = Evaluation.run(network, on: test, workspace: evaluationWorkspace, context: context).accuracy
            let report = EpochReport(
                epoch: epoch, trainLoss: lossSum / Double(order.count),
                validationAccuracy: validationAccuracy, testAccuracy: testAccuracy,
                trainSeconds: trainSeconds, evaluationSeconds: seconds(since: evaluationStarted),
                samples: order.count)
            reports.append(report)
            onEvent(.epochFinished(report))
        }
        return reports
    }
}

/// One SGD step as a reusable parallel job: a trainer keeps one for the whole run, so a step
/// allocates nothing (measured: malloc calls per epoch stay flat across 1,563 steps).
///
/// Two parallel phases, one barrier each: (1) each thread gathers, runs forward and the
/// per-row backward (loss, dZ, dX) on its own rows of the batch — rows never interact there;
/// (2) each thread applies the fused update W ← W − η·Xᵀ·dZ to its own slice of every W and
/// b. Every element is computed by one thread in a fixed order, so any thread count gives
/// the same bits.
final class TrainingStepJob: ParallelJob {
    let network: Network
    let data: Dataset
    let workspace: NetworkWorkspace
    let context: ComputeContext
    let learningRate: Float
    let profile: StepProfile?
    private var batch: ArraySlice<Int> = []
    private var updating = false
    /// Whether the layers' packed Wᵀ panels hold the current weights.
    private var panelsPacked = false

    init(network: Network, data: Dataset, workspace: NetworkWorkspace, context: ComputeContext,
         learningRate: Float, profile: StepProfile?) {
        self.network = network; self.data = data; self.workspace = workspace; self.context = context
        self.learningRate = learningRate; self.profile = profile
    }

    /// Runs both phases on `batch`; returns its summed loss.
    func step(_ batch: ArraySlice<Int>) -> Double {
        let started = profile == nil ? 0 : Stopwatch.now()
        self.batch = batch
        if !panelsPacked {
            network.packAllTransposedWeights()  // the weights as this job first sees them
            panelsPacked = true
        }
        updating = false
        context.run(self)
        updating = true
        context.run(self)
        let rows = batch.count
        profile?.addStep(wallNanoseconds: Stopwatch.now() - started, flops: network.stepFLOPs(rows: rows))
        var sum = 0.0
        for row in 0..<rows { sum += workspace.rowLosses[row] }  // in row order, whatever the split
        return sum
    }

    func run(part: Int) {
        let parts = context.threads
        let rows = batch.count
        let scratch = context.scratches[part]
        let timer = part == 0 ? profile : nil
        if updating {
            network.applySGD(part: part, of: parts, batchRows: rows, learningRate: learningRate,
                             workspace: workspace, scratch: scratch, profile: timer, repackWeights: true)
            return
        }
        let mine = partition(rows, parts: parts, index: part, granularity: gemmMR)
        guard !mine.isEmpty else { return }
        let first = batch.startIndex
        let images = batch[(first + mine.lowerBound)..<(first + mine.upperBound)]
        if let timer {
            timer.time(.gather) { data.gather(images, into: workspace, firstRow: mine.lowerBound) }
        } else {
            data.gather(images, into: workspace, firstRow: mine.lowerBound)
        }
        network.forward(rows: mine, workspace: workspace, scratch: scratch, profile: timer)
        network.backwardData(rows: mine, batchSize: rows, workspace: workspace, scratch: scratch, profile: timer,
                             prepackedWeights: true)
    }
}

func seconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

extension Trainer {
    /// The network as it is now, packaged for saving: the training images' shape, the 1/255
    /// normalization the trainer used, and `metadata` plus the recipe.
    public func modelFile(after report: EpochReport?, metadata extra: [String: String] = [:]) -> ModelFile {
        var metadata = extra
        metadata["seed"] = String(options.seed)
        metadata["layers"] = options.layers.map(String.init).joined(separator: ",")
        metadata["activation"] = options.activation.rawValue
        metadata["loss"] = options.loss.rawValue
        metadata["init"] = options.initializer.rawValue
        metadata["learning_rate"] = String(options.learningRate)
        metadata["batch"] = String(options.batchSize)
        metadata["epochs_planned"] = String(options.epochs)
        metadata["validation"] = String(options.validationCount)
        if let report {
            metadata["epochs_completed"] = String(report.epoch)
            metadata["test_accuracy"] = String(report.testAccuracy)
            metadata["train_loss"] = String(report.trainLoss)
            if let validation = report.validationAccuracy { metadata["validation_accuracy"] = String(validation) }
        }
        return ModelFile(inputShape: train.imageShape, pixelScale: 1.0 / 255.0, pixelOffset: 0,
                         network: network, metadata: metadata)
    }
}

extension Trainer {
    /// A trainer that continues `checkpoint` (saved by an earlier run after some epoch): its
    /// weights and the epoch after its last. The architecture, seed, initializer and hold-out come
    /// from the checkpoint; `options` give the rest (learning rate, batch, total epochs, …).
    ///
    /// The random state is replayed, not stored: the same seed and initializer leave the
    /// generator where the original run had it after initialization, and re-drawing the
    /// completed epochs' shuffles brings both it and the image order to where that run was.
    /// So with the same options, stopping and resuming gives the same bits as one run.
    public convenience init(resuming checkpoint: ModelFile, file: String, options: TrainingOptions,
                            data: DatasetFolder, profile: Bool = false) throws(NNFastError) {
        let meta = checkpoint.metadata
        guard let completed = meta["epochs_completed"].flatMap({ Int($0) }),
              let seed = meta["seed"].flatMap({ UInt64($0) }),
              let initializer = meta["init"].flatMap(Initializer.init(rawValue:)),
              let validation = meta["validation"].flatMap({ Int($0) }) else {
            throw NNFastError(file, "is not a training checkpoint (its metadata lacks epochs_completed, seed, init or validation)")
        }
        guard completed < options.epochs else {
            throw NNFastError.usage("--epochs", "is \(options.epochs) but \(file) has already trained \(completed) epochs")
        }
        let network = checkpoint.network
        var resumed = options
        resumed.layers = network.sizes
        resumed.activation = network.layers.count > 1 ? network.layers[0].activation : options.activation
        resumed.outputActivation = network.layers[network.layers.count - 1].activation
        resumed.loss = network.loss
        resumed.seed = seed
        resumed.initializer = initializer
        resumed.validationCount = validation
        try self.init(options: resumed, data: data, profile: profile)
        for (mine, saved) in zip(self.network.layers, network.layers) {
            guard mine.activation == saved.activation else {
                throw NNFastError(file, "mixes hidden activations, which nnfast train cannot continue")
            }
            mine.weights.copy(from: saved.weights)
            mine.bias.copy(from: saved.bias)
        }
        for _ in 0..<completed { generator.shuffle(&order) }
        firstEpoch = completed + 1
    }
}
