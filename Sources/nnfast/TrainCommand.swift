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
        "Recipe to start from: fast (the default: the best model for a second), best (the most accurate within 10 minutes: elastic distortions, 784-1200-1200-10, 50 epochs) or tutorial (the numpy tutorial's plain SGD). Printed at the start of the run; every flag below overrides its part.",
        valueName: "fast|best|tutorial"))
    var preset: TrainingPreset?

    @Option(help: "Dataset folder (default: the bundled MNIST, or $NNFAST_DATA).")
    var data: String?

    @OptionGroup
    var recipe: RecipeOptions

    @Option(help: "Random seed: the same seed gives the same run.")
    var seed: UInt64 = TrainingOptions().seed

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


    /// The preset with every given recipe flag applied over it, and the run's own settings.
    var options: TrainingOptions {
        var options = recipe.applied(to: (preset ?? .fast).options)
        options.seed = seed
        options.threads = threads.count
        return options
    }

    /// Every option checked before anything is read (one line naming the flag, exit 64).
    func validate() throws {
        try validating { () throws(NNFastError) in
            let options = self.options
            try recipe.checkCombinations(options)
            if resume != nil {
                let flags = (preset == nil ? [] : ["--preset"]) + recipe.givenFlags.filter { $0 != "--epochs" }
                if let flag = flags.first {
                    throw NNFastError.usage(flag, "cannot change when resuming: the checkpoint's recipe is kept (with --resume, give only --epochs, --threads, --out, --metrics, --precision, --quiet, --profile)")
                }
            } else {
                try options.validate()
            }
        }
    }

    /// The run in its phases: check the outputs can be written, load the data, build (or
    /// resume) the trainer, train with a checkpoint per epoch, then report, plot and profile.
    func run() throws {
        let folder = data ?? DefaultDataFolder.path
        let metricsFile = try metrics.map { try MetricsFile(path: $0) }
        try checkOutputFolders()
        StopSignal.install()
        let loadStarted = Date()
        let dataset = try DatasetFolder.load(folder)
        let loadSeconds = Date().timeIntervalSince(loadStarted)
        let trainer = try makeTrainer(dataset)
        let printer = TrainingPrinter(options: trainer.options, quiet: quiet)
        if let resume {
            printer.resuming(resume, fromEpoch: trainer.firstEpoch)
        } else {
            printer.preset(preset ?? .fast, overriddenBy: recipe.givenFlags)
        }
        printer.start(network: trainer.network, folder: folder, loadSeconds: loadSeconds,
                      trainCount: trainer.trainingCount, validationCount: trainer.validationCount,
                      testCount: dataset.test.count)
        let provenance = ProvenanceMetadata(arguments: CommandLine.arguments)
        let reports = try train(trainer, printer: printer, metricsFile: metricsFile, metadata: provenance.values)
        if trainer.interruption == .stopRequested {
            try saveInterrupted(trainer, reports: reports, metadata: provenance.values, folder: folder)
        }
        printer.finish(reports, trainer: trainer, out: out)
        try drawCurves(reports, trainer: trainer)
        if let stepProfile = trainer.profile {
            let threads = options.resolvedThreads
            let table = ProfileTable(profile: stepProfile, peak: MachinePeak.measure(threads: threads), threads: threads)
            print(table.render(title: "profile: \(stepProfile.steps) steps, batch \(options.batchSize), \(threads) thread\(threads == 1 ? "" : "s")"))
        }
    }

    /// Refuses an unwritable --out or --plot now, not after the training's work.
    private func checkOutputFolders() throws(NNFastError) {
        for (path, what) in [(out, "save the model"), (plot, "write the curves")] {
            guard let path else { continue }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue,
                  FileManager.default.isWritableFile(atPath: folder) else {
                throw NNFastError(path, "cannot \(what): \(folder) is not a writable folder")
            }
        }
    }

    /// A new trainer from the options, or one that continues the --resume checkpoint.
    private func makeTrainer(_ dataset: DatasetFolder) throws(NNFastError) -> Trainer {
        guard let resume else { return try Trainer(options: options, data: dataset, profile: profile) }
        let checkpoint = try ModelFile.load(resume)
        // Without --epochs, an interrupted run goes on to the end of its plan.
        let epochs = recipe.epochs ?? checkpoint.plannedEpochs ?? options.epochs
        return try Trainer(resuming: checkpoint, file: resume, epochs: epochs, threads: options.threads,
                           data: dataset, profile: profile)
    }

    /// Trains, saving a checkpoint and a metrics line after every epoch (stopping at the first
    /// failure to write either); a divergence becomes one line and exit 3.
    private func train(_ trainer: Trainer, printer: TrainingPrinter, metricsFile: MetricsFile?,
                       metadata: [String: String]) throws -> [EpochReport] {
        var outputError: NNFastError?
        let outBefore = FileManager.default.fileExists(atPath: out)
        let reports = trainer.run(onEvent: { event in
            printer.handle(event)
            if case .epochFinished(let report) = event, outputError == nil {
                do throws(NNFastError) {
                    try metricsFile?.append(report.jsonLine)
                    // A checkpoint per epoch: stopping the run loses at most one epoch.
                    try trainer.modelFile(after: report, metadata: metadata, precision: precision).save(to: out)
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
        return reports
    }

    /// `--plot`: the curves of this run as SVG.
    private func drawCurves(_ reports: [EpochReport], trainer: Trainer) throws {
        guard let plot else { return }
        let curves = TrainingCurves(reports: reports, title: "nnfast train: \(trainer.network.sizes.map(String.init).joined(separator: "-")), "
                                    + "\(trainer.options.optimizer.kind.rawValue), \(reports.count) epochs",
                                    bestEpoch: trainer.options.resolvedKeep == .best ? trainer.best?.epoch : nil)
        try FileBytes.writeAtomically(Array(curves.svg().utf8), to: plot)
        if !quiet { print("curves: \(plot)") }
    }
}
