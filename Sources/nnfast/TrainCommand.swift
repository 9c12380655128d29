import ArgumentParser
import Foundation
import NNFast

/// `nnfast train`: train a network on an IDX dataset folder and report accuracy per epoch.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a multilayer perceptron on an MNIST-layout IDX folder.",
        discussion: """
            The folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte, \
            t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each gzip-compressed (.gz) or \
            plain. The last --validation training images are held out for validation.
            """
    )

    @Option(help: ArgumentHelp(
        "Recipe to start from: fast (the default: the best model for a second), best (the most accurate within 10 minutes: elastic distortions, 784-800-800-10) or tutorial (the numpy tutorial's plain SGD). Printed at the start of the run; every flag below overrides its part.",
        valueName: "fast|best|tutorial"))
    var preset: TrainingPreset?

    @Option(help: "Dataset folder (default: the bundled MNIST, or $NNFAST_DATA).")
    var data: String?

    @Option(help: "Layer sizes from input to output, comma-separated (fast: \(TrainingPreset.fast.options.layers.map(String.init).joined(separator: ","))).")
    var layers: LayerSizes?

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

    @Option(help: "Label smoothing ε for softmax-ce: targets (1 − ε)·onehot + ε/classes (default: 0).")
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

    @Option(help: "Random seed: the same seed gives the same run.")
    var seed: UInt64 = TrainingOptions().seed

    @Option(help: "How many of the last training images to hold out for validation, 0 for none (fast: \(TrainingPreset.fast.options.validationCount), tutorial: 10000).")
    var validation: Int?

    @Option(help: ArgumentHelp(
        "Worker threads: a number, or 'auto' (every core).",
        valueName: "n|auto"))
    var threads: ThreadCount = .automatic

    @Option(help: "Write one JSON object per epoch to this file (JSON Lines; default: none).")
    var metrics: String?

    @Option(help: "After training, draw the curves (loss, validation and test accuracy per epoch, best epoch marked) to this SVG file (default: none).")
    var plot: String?

    @Option(help: "Save the model here (.nnw): after every epoch as a checkpoint, and at the end.")
    var out = "mnist.nnw"

    @Option(help: "Tensor precision of the saved model: f32, or f16 (half the size; measured accuracy change in README).")
    var precision: ModelFile.Precision = .float32

    @Option(help: "Continue training from this checkpoint (.nnw) up to --epochs, with its recipe, weights, optimizer state and random state.")
    var resume: String?

    @Flag(help: "Print only the final result line.")
    var quiet = false

    @Flag(help: "After training, print where the steps' time went, per phase and layer (as `nnfast bench`).")
    var profile = false


    /// The recipe flags the user gave, by name (each overrides the preset's value).
    private var givenRecipeFlags: [String] {
        let flags: [(String, Any?)] = [
            ("--preset", preset), ("--layers", layers), ("--activation", activation),
            ("--output-activation", outputActivation), ("--loss", loss), ("--init", initializer),
            ("--optimizer", optimizer), ("--lr", learningRate), ("--momentum", momentum), ("--beta1", beta1),
            ("--beta2", beta2), ("--epsilon", epsilon), ("--weight-decay", weightDecay), ("--clip-norm", clipNorm), ("--max-norm", maxNorm), ("--schedule", schedule),
            ("--warmup", warmup), ("--step-epochs", stepEpochs), ("--step-factor", stepFactor), ("--batch", batch), ("--label-smoothing", labelSmoothing), ("--dropout", dropout), ("--input-dropout", inputDropout),
            ("--augment", augment), ("--shift", shift), ("--rotate", rotate), ("--scale", scale), ("--shear", shear),
            ("--elastic-alpha", elasticAlpha), ("--elastic-sigma", elasticSigma),
            ("--keep", keep), ("--patience", patience), ("--validation", validation),
        ]
        return flags.filter { $0.1 != nil }.map(\.0)
    }

    /// The preset with every given flag applied over it.
    var options: TrainingOptions {
        var o = (preset ?? .fast).options
        if let layers { o.layers = layers.sizes }
        if let activation { o.activation = activation }
        if let outputActivation { o.outputActivation = outputActivation }
        if let loss { o.loss = loss }
        if let initializer { o.initializer = initializer }
        if let optimizer { o.optimizer.kind = optimizer }
        if let learningRate { o.learningRate = learningRate }
        if let momentum { o.optimizer.momentum = momentum }
        if let beta1 { o.optimizer.beta1 = beta1 }
        if let beta2 { o.optimizer.beta2 = beta2 }
        if let epsilon { o.optimizer.epsilon = epsilon }
        if let weightDecay { o.optimizer.weightDecay = weightDecay }
        if let clipNorm { o.optimizer.clipNorm = clipNorm }
        if let maxNorm { o.optimizer.maxNorm = maxNorm }
        if let schedule { o.schedule.shape = schedule }
        if let warmup { o.schedule.warmupEpochs = warmup }
        if let stepEpochs { o.schedule.stepEpochs = stepEpochs }
        if let stepFactor { o.schedule.stepFactor = stepFactor }
        if let batch { o.batchSize = batch }
        if let labelSmoothing { o.labelSmoothing = labelSmoothing }
        if let dropout { o.dropout.hidden = dropout }
        if let inputDropout { o.dropout.input = inputDropout }
        if let augment { o.augmentation.kind = augment }
        if let shift { o.augmentation.shift = shift }
        if let rotate { o.augmentation.rotation = rotate }
        if let scale { o.augmentation.scale = scale }
        if let shear { o.augmentation.shear = shear }
        if let elasticAlpha { o.augmentation.elasticAlpha = elasticAlpha }
        if let elasticSigma { o.augmentation.elasticSigma = elasticSigma }
        if let epochs { o.epochs = epochs }
        if let keep { o.keep = keep }
        if let patience { o.patience = patience }
        o.seed = seed
        if let validation { o.validationCount = validation }
        o.threads = threads.count
        return o
    }

    /// Flags that make no sense together: one line naming the flag (exit 64).
    func checkFlagCombinations(_ options: TrainingOptions) throws(NNFastError) {
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
        if resume != nil, let flag = givenRecipeFlags.first {
            throw NNFastError.usage(flag, "cannot change when resuming: the checkpoint's recipe is kept (with --resume, give only --epochs, --threads, --out, --metrics, --precision, --quiet, --profile)")
        }
    }

    func run() throws {
        let options = self.options
        try checkFlagCombinations(options)
        if resume == nil { try options.validate() }  // before reading tens of megabytes
        let folder = data ?? DefaultDataFolder.path
        let metricsFile = try metrics.map { try MetricsFile(path: $0) }
        // Refuse an unwritable --out or --plot now, not after the training's work.
        for (path, what) in [(out, "save the model"), (plot, "write the curves")] {
            guard let path else { continue }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue,
                  FileManager.default.isWritableFile(atPath: folder) else {
                throw NNFastError(path, "cannot \(what): \(folder) is not a writable folder")
            }
        }

        StopSignal.install()
        let loadStarted = Date()
        let dataset = try DatasetFolder.load(folder)
        let loadSeconds = Date().timeIntervalSince(loadStarted)
        let trainer: Trainer
        if let resume {
            let checkpoint = try ModelFile.load(resume)
            // Without --epochs, an interrupted run goes on to the end of its plan.
            trainer = try Trainer(resuming: checkpoint, file: resume, epochs: epochs ?? checkpoint.plannedEpochs ?? options.epochs,
                                  threads: options.threads, data: dataset, profile: profile)
        } else {
            trainer = try Trainer(options: options, data: dataset, profile: profile)
        }

        let printer = TrainingPrinter(options: trainer.options, quiet: quiet)
        if resume == nil {
            let chosen = preset ?? .fast
            let overrides = givenRecipeFlags.filter { $0 != "--preset" } + (epochs == nil ? [] : ["--epochs"])
            printer.preset(chosen, overriddenBy: overrides)
        } else {
            printer.resuming(resume!, fromEpoch: trainer.firstEpoch)
        }
        printer.start(network: trainer.network, folder: folder, loadSeconds: loadSeconds,
                      trainCount: trainer.trainingCount, validationCount: trainer.validationCount,
                      testCount: dataset.test.count)
        var outputError: NNFastError?
        let provenance = ProvenanceMetadata(arguments: CommandLine.arguments)
        let outBefore = FileManager.default.fileExists(atPath: out)
        let reports = trainer.run(onEvent: { event in
            printer.handle(event)
            if case .epochFinished(let report) = event, outputError == nil {
                do throws(NNFastError) {
                    try metricsFile?.append(report.jsonLine)
                    // A checkpoint per epoch: stopping the run loses at most one epoch.
                    try trainer.modelFile(after: report, metadata: provenance.values, precision: precision).save(to: out)
                } catch { outputError = error }
            }
        }, shouldStop: { StopSignal.requested || outputError != nil })
        printer.clearProgress()
        if let outputError { throw outputError }
        if case .diverged(let divergence) = trainer.interruption {
            let kept = trainer.epochsCompleted >= trainer.firstEpoch
                ? "\(out) keeps epoch \(trainer.epochsCompleted)'s checkpoint"
                : outBefore ? "\(out) was left as it was" : "no model was written"
            throw NNFastError(kind: .training, subject: nil, message: "\(divergence.description) (now \(trainer.options.learningRate)); \(kept)")
        }
        if trainer.interruption == .stopRequested {
            try saveInterrupted(trainer, reports: reports, metadata: provenance.values, folder: folder)
        }
        printer.finish(reports, trainer: trainer, out: out)
        if let plot {
            let curves = TrainingCurves(reports: reports, title: "nnfast train: \(trainer.network.sizes.map(String.init).joined(separator: "-")), "
                                        + "\(trainer.options.optimizer.kind.rawValue), \(reports.count) epochs",
                                        bestEpoch: trainer.options.resolvedKeep == .best ? trainer.best?.epoch : nil)
            try FileBytes.writeAtomically(Array(curves.svg().utf8), to: plot)
            if !quiet { print("curves: \(plot)") }
        }
        if let stepProfile = trainer.profile {
            let threads = options.resolvedThreads
            let table = ProfileTable(profile: stepProfile, peak: MachinePeak.measure(threads: threads), threads: threads)
            print(table.render(title: "profile: \(stepProfile.steps) steps, batch \(options.batchSize), \(threads) thread\(threads == 1 ? "" : "s")"))
        }
    }
}

/// `--metrics FILE`: JSON Lines, truncated at the start of the run and flushed after each epoch
/// so a run that is stopped keeps every finished epoch.
final class MetricsFile {
    let path: String
    let handle: FileHandle

    init(path: String) throws(NNFastError) {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw NNFastError(path, "cannot create the metrics file")
        }
        self.handle = handle
    }

    func append(_ line: String) throws(NNFastError) {
        do {
            try handle.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            throw NNFastError(path, "cannot write metrics: \(error.localizedDescription)")
        }
    }
}
