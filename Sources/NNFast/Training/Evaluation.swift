/// Accuracy and mean loss of a network over a dataset, computed in fixed-size chunks with one
/// workspace reused for the whole pass; each chunk's rows are split between the threads.
public struct Evaluation: Sendable, Equatable {
    public let count: Int
    public let correct: Int
    public let meanLoss: Double
    /// `confusion[label][predicted]`: how many images of each class went to each class.
    public let confusion: [[Int]]

    /// Accuracy on the images of each class (nil for a class with no images).
    public var perClassAccuracy: [Double?] {
        confusion.enumerated().map { label, row in
            let total = row.reduce(0, +)
            return total == 0 ? nil : Double(row[label]) / Double(total)
        }
    }

    public var accuracy: Double { count == 0 ? 0 : Double(correct) / Double(count) }

    static let chunkSize = 256

    /// Evaluates `network` on every image of `dataset`, pixels normalized as `scale·p + offset`.
    public static func run(_ network: Network, on dataset: Dataset, context: ComputeContext,
                           scale: Float = 1.0 / 255.0, offset: Float = 0) -> Evaluation {
        let workspace = NetworkWorkspace(network: network, capacity: chunkSize)
        return run(network, on: dataset, workspace: workspace, context: context, scale: scale, offset: offset)
    }

    static func run(
        _ network: Network, on dataset: Dataset, workspace: NetworkWorkspace, context: ComputeContext,
        scale: Float = 1.0 / 255.0, offset: Float = 0
    ) -> Evaluation {
        let classes = network.outputSize
        var confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        var predictions = Array(repeating: 0, count: workspace.capacity)
        var correct = 0
        var lossSum = 0.0
        var start = 0
        let last = network.layers.count - 1
        while start < dataset.count {
            let rows = min(workspace.capacity, dataset.count - start)
            context.run { part, scratch in
                let mine = partition(rows, parts: context.threads, index: part, granularity: gemmRowSplitGranularity)
                guard !mine.isEmpty else { return }
                dataset.gather((start + mine.lowerBound)..<(start + mine.upperBound), into: workspace,
                               firstRow: mine.lowerBound, scale: scale, offset: offset)
                network.forward(rows: mine, workspace: workspace, scratch: scratch)
                network.loss.evaluate(outputs: workspace.activations[last], rows: mine,
                                      labels: workspace.labels, gradient: workspace.gradients[last],
                                      batchSize: rows, losses: workspace.rowLosses)
            }
            network.argmaxRows(workspace.activations[last], rows: 0..<rows, into: &predictions)
            for row in 0..<rows {
                let label = Int(workspace.labels[row])
                if predictions[row] == label { correct += 1 }
                if label < classes { confusion[label][predictions[row]] += 1 }
                lossSum += workspace.rowLosses[row]
            }
            start += rows
        }
        return Evaluation(count: dataset.count, correct: correct,
                          meanLoss: dataset.count == 0 ? 0 : lossSum / Double(dataset.count), confusion: confusion)
    }
}
