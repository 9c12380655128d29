import Foundation

// Loss kernels: each makes one pass over a row, writing the row's loss to `losses[i]` and the
// gradient of the *batch-mean* loss with respect to the layer's output (scaled by `1/batch`).
// Rows are `ld` floats apart (padded strides); only `cols` entries of each row are touched.

/// Softmax cross-entropy on logits Z[rows × cols] with integer labels.
/// Forward: loss_i = logsumexp(z_i) − z_i[y_i] (max-subtracted, so no overflow).
/// Backward: dZ_i = (softmax(z_i) − onehot(y_i)) · scale.
func softmaxCrossEntropyKernel(
    logits: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int, labels: UnsafePointer<Int32>,
    gradient: UnsafeMutablePointer<Float>, scale: Float, losses: UnsafeMutablePointer<Double>
) {
    for i in 0..<rows {
        let z = logits + i * ld
        let g = gradient + i * ld
        var maxValue = -Float.infinity
        for j in 0..<cols { maxValue = max(maxValue, z[j]) }
        // g ← e^{z − max}; then sum it.
        g.update(from: z, count: cols)
        forEachChunk(g, nil, count: cols) { v, _ in vectorExp(v - maxValue) }
        var sum: Float = 0
        for j in 0..<cols { sum += g[j] }
        let label = Int(labels[i])
        losses[i] = Double(maxValue) + log(Double(sum)) - Double(z[label])
        let factor = scale / sum
        forEachChunk(g, nil, count: cols) { v, _ in v * factor }
        g[label] -= scale
    }
}

/// Mean squared error against one-hot targets, with the ½ convention:
/// loss_i = ½·Σ_j (a_ij − t_ij)², dA = (A − T)·scale.
func quadraticLossKernel(
    outputs: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int, labels: UnsafePointer<Int32>,
    gradient: UnsafeMutablePointer<Float>, scale: Float, losses: UnsafeMutablePointer<Double>
) {
    for i in 0..<rows {
        let a = outputs + i * ld
        let g = gradient + i * ld
        let label = Int(labels[i])
        var rowLoss: Float = 0
        for j in 0..<cols {
            let difference = a[j] - (j == label ? 1 : 0)
            rowLoss += difference * difference
            g[j] = difference * scale
        }
        losses[i] = 0.5 * Double(rowLoss)
    }
}

/// Sigmoid cross-entropy on logits against one-hot targets (each output an independent
/// yes/no): loss_i = Σ_j softplus(z) − t·z, computed stably as max(z,0) − t·z + log(1+e^{−|z|});
/// dZ = (σ(z) − t)·scale.
func sigmoidCrossEntropyKernel(
    logits: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int, labels: UnsafePointer<Int32>,
    gradient: UnsafeMutablePointer<Float>, scale: Float, losses: UnsafeMutablePointer<Double>
) {
    for i in 0..<rows {
        let z = logits + i * ld
        let g = gradient + i * ld
        let label = Int(labels[i])
        var rowLoss = 0.0
        for j in 0..<cols {
            let target: Float = j == label ? 1 : 0
            let value = z[j]
            let e = scalarExp(-abs(value))
            rowLoss += Double(max(value, 0) - target * value) + log1p(Double(e))
            let sigmoid = value >= 0 ? 1 / (1 + e) : e / (1 + e)
            g[j] = (sigmoid - target) * scale
        }
        losses[i] = rowLoss
    }
}
