/// Every buffer one forward/backward pass needs, sized once for a batch capacity so the
/// training loop never allocates: the input batch, each layer's activations A and gradients dA
/// (and dXᵀ on the way to them), the labels, and each row's loss.
final class NetworkWorkspace {
    let capacity: Int
    /// X [capacity × inputSize], filled by the batch gatherer.
    let input: Matrix
    /// A of layer i [capacity × out_i].
    let activations: [Matrix]
    /// dA (then dZ) of layer i [capacity × out_i].
    let gradients: [Matrix]
    /// Class labels of the rows in `input`.
    let labels: RowBuffer<Int32>
    /// Loss of each row, written by the loss kernel; summed in row order so the reported loss
    /// does not depend on how rows were split between threads.
    let rowLosses: RowBuffer<Double>
    /// dXᵀ of layer i [in_i × capacity], on its way to dA of layer i − 1 (`DenseLayer.backwardData`);
    /// nil for the first layer, whose dX nobody needs, and for layers too narrow to use it.
    let transposedInputGradients: [Matrix?]
    /// Masks and dropped activations, for a training workspace with dropout on.
    var dropout: DropoutBuffers?

    init(network: Network, capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        input = Matrix(rows: capacity, cols: network.inputSize)
        activations = network.layers.map { Matrix(rows: capacity, cols: $0.outputSize) }
        gradients = network.layers.map { Matrix(rows: capacity, cols: $0.outputSize) }
        transposedInputGradients = network.layers.enumerated().map { index, layer in
            index == 0 || layer.outputSize < DenseLayer.wideOutputs ? nil : Matrix(rows: layer.inputSize, cols: capacity)
        }
        labels = RowBuffer(repeating: 0, count: capacity)
        rowLosses = RowBuffer(repeating: 0, count: capacity)
    }
}
