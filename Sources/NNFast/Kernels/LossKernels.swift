import Foundation

// Loss kernels: each makes one pass over a row, writing the row's loss to `losses[i]` and the
// gradient of the *batch-mean* loss with respect to the layer's output (scaled by `1/batch`).
// Rows are `ld` floats apart (padded strides); only `cols` entries of each row are touched.

/// `loss` over the rows of `outputs`: each row's loss into `losses[row]`, the gradient (scaled by
/// `scale` = 1/batch) into the same rows of `gradient`; labels are read at the same row indices.
func lossKernel(_ loss: Loss, outputs: MatrixBlock, labels: RowBuffer<Int32>, gradient: MatrixBlock,
                scale: Float, losses: RowBuffer<Double>, smoothing: Float) {
    precondition(outputs.rows == gradient.rows && outputs.stride == gradient.stride)
    precondition(outputs.rows.upperBound <= labels.count && outputs.rows.upperBound <= losses.count)
    let (z, g, ld) = (outputs.start, gradient.start, outputs.stride)
    let (rows, cols, first) = (outputs.rows.count, outputs.columns.count, outputs.rows.lowerBound)
    switch loss {
    case .softmaxCrossEntropy:
        softmaxCrossEntropyKernel(logits: z, rows: rows, cols: cols, ld: ld, labels: labels.base + first,
                                  gradient: g, scale: scale, losses: losses.base + first, smoothing: smoothing)
    case .meanSquaredError:
        quadraticLossKernel(outputs: z, rows: rows, cols: cols, ld: ld, labels: labels.base + first,
                            gradient: g, scale: scale, losses: losses.base + first)
    case .sigmoidCrossEntropy:
        sigmoidCrossEntropyKernel(logits: z, rows: rows, cols: cols, ld: ld, labels: labels.base + first,
                                  gradient: g, scale: scale, losses: losses.base + first)
    }
}

/// Softmax cross-entropy on logits Z[rows × cols] with integer labels, against targets smoothed
/// by ε (Szegedy et al. 2016): t = (1 − ε)·onehot(y) + ε/K, K = cols.
/// Forward: loss_i = logsumexp(z_i) − Σ_j t_j·z_ij (max-subtracted, so no overflow).
/// Backward: dZ_i = (softmax(z_i) − t) · scale. With ε = 0 these are the usual one-hot forms.
func softmaxCrossEntropyKernel(
    logits: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int, labels: UnsafePointer<Int32>,
    gradient: UnsafeMutablePointer<Float>, scale: Float, losses: UnsafeMutablePointer<Double>,
    smoothing: Float = 0
) {
    let spread = smoothing / Float(cols)  // ε/K, on every class
    let onLabel = 1 - smoothing           // the extra target weight of the label
    for i in 0..<rows {
        let z = logits + i * ld
        let g = gradient + i * ld
        var maxValue = -Float.infinity
        for j in 0..<cols { maxValue = max(maxValue, z[j]) }
        // g ← e^{z − max}; then sum it.
        g.update(from: z, count: cols)
        var exponentials = _Chunks(g, nil, count: cols)
        while exponentials.hasMore { exponentials.storeAndAdvance(vectorExp(exponentials.load().x - maxValue)) }
        var sum: Float = 0
        for j in 0..<cols { sum += g[j] }
        let label = Int(labels[i])
        var targetDotZ = Double(onLabel) * Double(z[label])
        if smoothing != 0 {
            var zSum = 0.0
            for j in 0..<cols { zSum += Double(z[j]) }
            targetDotZ += Double(spread) * zSum
        }
        losses[i] = Double(maxValue) + log(Double(sum)) - targetDotZ
        let factor = scale / sum
        let spreadScaled = spread * scale
        var gradients = _Chunks(g, nil, count: cols)
        while gradients.hasMore { gradients.storeAndAdvance(gradients.load().x * factor - spreadScaled) }
        g[label] -= onLabel * scale
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
