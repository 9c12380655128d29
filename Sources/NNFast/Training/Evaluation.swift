/// Accuracy and mean loss of a network over a dataset, computed in fixed-size chunks with one
/// workspace reused for the whole pass; each chunk's rows are split between the threads.
public struct Evaluation: Sendable, Equatable {
    public let count: Int
    public let correct: Int
    public let meanLoss: Double

    public var accuracy: Double { count == 0 ? 0 : Double(correct) / Double(count) }

    static let chunkSize = 256

    /// Evaluates `network` on every image of `dataset`.
    public static func run(_ network: Network, on dataset: Dataset, context: ComputeContext) -> Evaluation {
        let workspace = NetworkWorkspace(network: network, capacity: chunkSize)
        return run(network, on: dataset, workspace: workspace, context: context)
    }

    static func run(
        _ network: Network, on dataset: Dataset, workspace: NetworkWorkspace, context: ComputeContext
    ) -> Evaluation {
        var predictions = Array(repeating: 0, count: workspace.capacity)
        var correct = 0
        var lossSum = 0.0
        var start = 0
        let last = network.layers.count - 1
        while start < dataset.count {
            let rows = min(workspace.capacity, dataset.count - start)
            context.run { part, scratch in
                let mine = partition(rows, parts: context.threads, index: part, granularity: gemmMR)
                guard !mine.isEmpty else { return }
                dataset.gather((start + mine.lowerBound)..<(start + mine.upperBound), into: workspace, firstRow: mine.lowerBound)
                network.forward(rows: mine, workspace: workspace, scratch: scratch)
                network.loss.evaluate(outputs: workspace.activations[last], rows: mine,
                                      labels: workspace.labels.base, gradient: workspace.gradients[last],
                                      batchSize: rows, losses: workspace.rowLosses.base)
            }
            network.argmaxRows(workspace.activations[last], rows: 0..<rows, into: &predictions)
            for row in 0..<rows {
                if predictions[row] == Int(workspace.labels[row]) { correct += 1 }
                lossSum += workspace.rowLosses[row]
            }
            start += rows
        }
        return Evaluation(count: dataset.count, correct: correct,
                          meanLoss: dataset.count == 0 ? 0 : lossSum / Double(dataset.count))
    }
}
