import Foundation

/// What a model says about one input: the classes ranked by score.
public struct Prediction: Sendable {
    /// Class index and its probability (softmax for softmax-ce, sigmoid for sigmoid-ce, the raw
    /// output for mse), best first.
    public let ranked: [(label: Int, probability: Double)]

}

extension ModelFile {
    /// Whether the model takes images: a 2-D input (height × width), or 3-D with one channel.
    public var imageSize: (width: Int, height: Int)? {
        switch inputShape.count {
        case 2: (inputShape[1], inputShape[0])
        case 3 where inputShape[2] == 1: (inputShape[1], inputShape[0])
        default: nil
        }
    }

    /// Runs the network on one image of exactly the input size, pixels on the 0…255 scale
    /// (normalized with the model's scale and offset, as in training).
    public func predict(samples255: [Float]) -> Prediction {
        precondition(samples255.count == network.inputSize, "input size mismatch")
        let workspace = NetworkWorkspace(network: network, capacity: 1)
        for (index, value) in samples255.enumerated() {
            workspace.input[0, index] = pixelOffset.addingProduct(value, pixelScale)  // as `convertPixels`
        }
        let output = network.forward(rows: 0..<1, workspace: workspace, scratch: GEMMScratch())
        let values = (0..<output.cols).map { Double(output[0, $0]) }
        let scores: [Double]
        switch network.loss {
        case .softmaxCrossEntropy:
            let top = values.max() ?? 0
            let exps = values.map { exp($0 - top) }
            let total = exps.reduce(0, +)
            scores = exps.map { $0 / total }
        case .sigmoidCrossEntropy:
            scores = values.map { 1 / (1 + exp(-$0)) }
        case .meanSquaredError:
            scores = values
        }
        // Ranked by the raw outputs, ties to the lower label: exactly the argmax of evaluation.
        let order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        return Prediction(ranked: order.map { ($0, scores[$0]) })
    }
}
