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

    @Option(help: "Dataset folder (default: the bundled MNIST, or $NNFAST_DATA).")
    var data: String?

    @Option(help: "Layer sizes from input to output, comma-separated.")
    var layers = LayerSizes(TrainingOptions().layers)

    @Option(help: "Hidden-layer activation.")
    var activation: Activation = TrainingOptions().activation

    @Option(help: "Output-layer activation (default: identity for softmax-ce/sigmoid-ce, sigmoid for mse).")
    var outputActivation: Activation?

    @Option(help: "Loss to minimize.")
    var loss: Loss = TrainingOptions().loss

    @Option(name: .customLong("init"), help: "Weight initialization.")
    var initializer: Initializer = TrainingOptions().initializer

    @Option(name: .customLong("lr"), help: "Learning rate.")
    var learningRate: Float = TrainingOptions().learningRate

    @Option(help: "Mini-batch size.")
    var batch: Int = TrainingOptions().batchSize

    @Option(help: "Number of passes over the training images.")
    var epochs: Int = TrainingOptions().epochs

    @Option(help: "Random seed: the same seed gives the same run.")
    var seed: UInt64 = TrainingOptions().seed

    @Option(help: "How many of the last training images to hold out for validation (0: none).")
    var validation: Int = TrainingOptions().validationCount

    @Option(help: ArgumentHelp(
        "Worker threads: a number, or 'auto' (every core).",
        valueName: "n|auto"))
    var threads: ThreadCount = .automatic

    @Option(help: "Write one JSON object per epoch to this file (JSON Lines; default: none).")
    var metrics: String?

    @Option(help: "Save the model here (.nnw): after every epoch as a checkpoint, and at the end.")
    var out = "mnist.nnw"

    @Option(help: "Tensor precision of the saved model: f32, or f16 (half the size; measured accuracy change in README).")
    var precision: ModelFile.Precision = .float32

    @Option(help: "Continue training from this checkpoint (.nnw) up to --epochs; its architecture and random state are kept.")
    var resume: String?

    @Flag(help: "Print only the final result line.")
    var quiet = false

    @Flag(help: "After training, print where the steps' time went, per phase and layer (as `nnfast bench`).")
    var profile = false

    var options: TrainingOptions {
        var options = TrainingOptions()
        options.layers = layers.sizes
        options.activation = activation
        options.outputActivation = outputActivation
        options.loss = loss
        options.initializer = initializer
        options.learningRate = learningRate
        options.batchSize = batch
        options.epochs = epochs
        options.seed = seed
        options.validationCount = validation
        options.threads = threads.count
        return options
    }

    func run() throws {
        let options = self.options
        try options.validate()  // before reading tens of megabytes
        let folder = data ?? DefaultDataFolder.path
        let metricsFile = try metrics.map { try MetricsFile(path: $0) }
        // Refuse an unwritable --out now, not after the first epoch's work.
        let outFolder = URL(fileURLWithPath: out).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: outFolder, isDirectory: &isFolder), isFolder.boolValue,
              FileManager.default.isWritableFile(atPath: outFolder) else {
            throw NNFastError(out, "cannot save the model: \(outFolder) is not a writable folder")
        }

        let loadStarted = Date()
        let dataset = try DatasetFolder.load(folder)
        let loadSeconds = Date().timeIntervalSince(loadStarted)
        let trainer: Trainer
        if let resume {
            trainer = try Trainer(resuming: try ModelFile.load(resume), file: resume, options: options,
                                  data: dataset, profile: profile)
        } else {
            trainer = try Trainer(options: options, data: dataset, profile: profile)
        }

        let printer = TrainingPrinter(options: trainer.options, quiet: quiet)
        printer.start(network: trainer.network, folder: folder, loadSeconds: loadSeconds,
                      trainCount: trainer.trainingCount, validationCount: trainer.validationCount,
                      testCount: dataset.test.count)
        var outputError: NNFastError?
        let created = ISO8601DateFormatter().string(from: Date())
        let command = CommandLine.arguments.joined(separator: " ")
        let reports = trainer.run { event in
            printer.handle(event)
            if case .epochFinished(let report) = event, outputError == nil {
                do throws(NNFastError) {
                    try metricsFile?.append(report.jsonLine)
                    // A checkpoint per epoch: stopping the run loses at most one epoch.
                    var model = trainer.modelFile(after: report, metadata: [
                        "created": created, "nnfast_version": nnfastVersion, "command": command,
                    ])
                    model.precision = precision
                    try model.save(to: out)
                } catch { outputError = error }
            }
        }
        if let outputError { throw outputError }
        printer.finish(reports)
        if !quiet { print("saved: \(out)") }
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
