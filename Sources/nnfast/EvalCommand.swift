import ArgumentParser
import Foundation
import NNFast

/// `nnfast eval`: a model's accuracy, loss and confusion matrix on a test set.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a model on the test images of a dataset folder.",
        discussion: """
            Reports accuracy, mean loss, per-class accuracy and the confusion matrix (rows: true \
            class, columns: predicted). Exit codes: 0 success; 1 a bad model or data file; \
            64 a model that does not fit the data.
            """)

    @Argument(help: "The model file (.nnw).")
    var model: String

    @Option(help: "Dataset folder whose t10k-* files are the test set (default: the bundled MNIST, or $NNFAST_DATA).")
    var data: String?

    @Option(help: ArgumentHelp("Worker threads: a number, or 'auto' (every core).", valueName: "n|auto"))
    var threads: ThreadCount = .automatic

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() throws {
        let file = try ModelFile.load(model)
        let folder = data ?? DefaultDataFolder.path
        let test = try DatasetFolder.load(folder).test
        let network = file.network
        guard test.pixelsPerImage == network.inputSize else {
            throw NNFastError.usage(model, "takes \(network.inputSize) inputs but the images in \(folder) have \(test.pixelsPerImage) pixels")
        }
        try test.checkLabels(classCount: network.outputSize)
        let context = ComputeContext(threads: threads.resolved)
        let result = Evaluation.run(network, on: test, context: context, scale: file.pixelScale, offset: file.pixelOffset)
        let names = file.classLabels
        if json {
            let object: [String: Any] = [
                "model": model, "data": folder, "images": result.count, "correct": result.correct,
                "accuracy": result.accuracy, "mean_loss": result.meanLoss, "classes": names,
                "per_class_accuracy": result.perClassAccuracy.map { $0 as Any? ?? NSNull() },
                "confusion": result.confusion,
            ]
            try printJSON(object)
            return
        }
        print("\(model) on \(folder): \(grouped(result.correct))/\(grouped(result.count)) correct, "
              + "accuracy \(percent(result.accuracy)), mean loss \(fixed(result.meanLoss, 4))")
        let width = max(6, names.map(\.count).max() ?? 0, String(result.count).count) + 1
        print("confusion (rows: true class, columns: predicted; last column: accuracy)")
        print(" ".leftPadded(to: width) + names.map { $0.leftPadded(to: width) }.joined() + "accuracy".leftPadded(to: 10))
        for (label, row) in result.confusion.enumerated() {
            let accuracy = result.perClassAccuracy[label].map(percent) ?? "-"
            print(names[label].leftPadded(to: width) + row.map { String($0).leftPadded(to: width) }.joined()
                  + accuracy.leftPadded(to: 10))
        }
    }
}
