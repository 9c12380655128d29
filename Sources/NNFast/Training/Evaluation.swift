/// Accuracy and mean loss of a network over a dataset, computed in fixed-size chunks with one
/// workspace reused for the whole pass.
public struct Evaluation: Sendable, Equatable {
    public let count: Int
    public let correct: Int
    public let meanLoss: Double

    public var accuracy: Double { count == 0 ? 0 : Double(correct) / Double(count) }

    static let chunkSize = 256

    /// Evaluates `network` on every image of `dataset`.
    public static func run(_ network: Network, on dataset: Dataset, context: ComputeContext) -> Evaluation {
        let workspace = NetworkWorkspace(network: network, capacity: min(chunkSize, max(dataset.count, 1)))
        return run(network, on: dataset, workspace: workspace, context: context)
    }

    static func run(
        _ network: Network, on dataset: Dataset, workspace: NetworkWorkspace, context: ComputeContext
    ) -> Evaluation {
        var predictions = Array(repeating: 0, count: workspace.capacity)
        var correct = 0
        var lossSum = 0.0
        var start = 0
        while start < dataset.count {
            let rows = min(workspace.capacity, dataset.count - start)
            dataset.gather(start..<(start + rows), into: workspace)
            let output = network.forward(rows: rows, workspace: workspace, context: context)
            network.argmaxRows(output, rows: rows, into: &predictions)
            lossSum += workspace.labels.withUnsafeBufferPointer { labels in
                network.loss.evaluate(outputs: output.base, rows: rows, cols: output.cols,
                                      labels: labels.baseAddress!,
                                      gradient: workspace.gradients[workspace.gradients.count - 1].base,
                                      batchSize: rows)
            }
            for row in 0..<rows where predictions[row] == Int(workspace.labels[row]) { correct += 1 }
            start += rows
        }
        return Evaluation(count: dataset.count, correct: correct,
                          meanLoss: dataset.count == 0 ? 0 : lossSum / Double(dataset.count))
    }
}
