/// One measured kernel: what ran, on which shape and threads, and how fast.
public struct BenchmarkResult: Sendable, Equatable, Codable {
    public let group: String
    public let kernel: String
    public let shape: String
    public let threads: Int
    /// Best per-call time.
    public let seconds: Double
    public let gflops: Double?
    /// GFLOP/s as a percentage of the measured FMA peak for this many threads.
    public let percentOfPeak: Double?
    public let gigabytesPerSecond: Double?
    /// The packed GEMM's phases, mean milliseconds per call, one entry per worker (phase names as
    /// `GEMMPhaseTimes.Phase.name`), when asked for and the shape took the packed path.
    public var phasesPerWorker: [[String: Double]]? = nil

    /// The same measurement under another group and name.
    public func relabeled(group: String, kernel: String) -> BenchmarkResult {
        BenchmarkResult(group: group, kernel: kernel, shape: shape, threads: threads, seconds: seconds,
                        gflops: gflops, percentOfPeak: percentOfPeak, gigabytesPerSecond: gigabytesPerSecond,
                        phasesPerWorker: phasesPerWorker)
    }
}

/// The kernels `nnfast bench` profiles, on the shapes the engine really runs.
public enum KernelBenchmarks {
    /// A GEMM shape: C[m×n] = op(A)·op(B) with inner dimension k.
    public struct GEMMShape: Sendable {
        public let name: String
        public let m, n, k: Int
        public let transA, transB: Bool

        public init(_ name: String, m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false) {
            self.name = name; self.m = m; self.n = n; self.k = k; self.transA = transA; self.transB = transB
        }

        public var description: String {
            "\(m)×\(k)\(transA ? "ᵀ" : "")·\(k)×\(n)\(transB ? "ᵀ" : "")"
        }
    }

    /// Square GEMMs, as the BLAS comparisons quote them.
    public static func squareShapes(_ sizes: [Int]) -> [GEMMShape] {
        sizes.map { GEMMShape("gemm \($0)³", m: $0, n: $0, k: $0) }
    }

    /// The GEMMs of one training step of a network with these layer sizes at this batch:
    /// forward X·W, backward dX (all but the first layer) as the layer computes it — W·dZᵀ, which
    /// `DenseLayer.backwardData` then transposes, or dZ·Wᵀ for a layer under
    /// `DenseLayer.wideOutputs` outputs — and the update Xᵀ·dZ.
    public static func mlpShapes(layers: [Int], batch: Int) -> [GEMMShape] {
        var shapes: [GEMMShape] = []
        for l in 1..<layers.count {
            let (input, output) = (layers[l - 1], layers[l])
            shapes.append(GEMMShape("L\(l) forward X·W", m: batch, n: output, k: input))
            if l > 1 && output >= DenseLayer.wideOutputs {
                shapes.append(GEMMShape("L\(l) backward W·dZᵀ", m: input, n: batch, k: output, transB: true))
            } else if l > 1 {
                shapes.append(GEMMShape("L\(l) backward dZ·Wᵀ", m: batch, n: input, k: output, transB: true))
            }
            shapes.append(GEMMShape("L\(l) update Xᵀ·dZ", m: input, n: output, k: batch, transA: true))
        }
        return shapes
    }

    /// Times `shape` on `threads` threads. `split` chooses how threads share the work: `.tiles`
    /// forks the GEMM over tiles of C (`GEMMWorkers`); `.pool` splits C's rows over the engine's
    /// spinning worker pool, as the training step does. With `phases`, also times the packed
    /// path's phases on each worker (`GEMMPhaseTimes`), over every call the timing made.
    public static func gemmBenchmark(_ shape: GEMMShape, threads: Int, split: GEMMSplit = .tiles, peak: MachinePeak,
                                     phases: Bool = false) -> BenchmarkResult {
        let a = Matrix(rows: shape.transA ? shape.k : shape.m, cols: shape.transA ? shape.m : shape.k)
        let b = Matrix(rows: shape.transB ? shape.n : shape.k, cols: shape.transB ? shape.k : shape.n)
        let c = Matrix(rows: shape.m, cols: shape.n)
        var generator = SeededGenerator(seed: 1)
        for matrix in [a, b] {
            for i in 0..<matrix.rows { for j in 0..<matrix.cols { matrix[i, j] = Float(generator.nextUniform() - 0.5) } }
        }
        let context = ComputeContext(threads: split == .pool ? threads : 1)
        let scratch = GEMMScratch()
        let phaseTimes = phases ? GEMMPhaseTimes() : nil
        scratch.phaseTimes = phaseTimes
        let (opA, opB): (Transpose, Transpose) = (shape.transA ? .transposed : .none, shape.transB ? .transposed : .none)
        let seconds = Stopwatch.bestTime {
            switch split {
            case .tiles:
                gemm(a.all, opA, b.all, opB, into: c.all, scratch: scratch, threads: threads)
            case .pool:
                context.run { part, scratch in
                    let rows = partition(shape.m, parts: threads, index: part, granularity: gemmRowSplitGranularity)
                    guard !rows.isEmpty else { return }
                    let aRows = shape.transA ? a.block(rows: 0..<shape.k, columns: rows) : a.rows(rows)
                    gemm(aRows, opA, b.all, opB, into: c.rows(rows), scratch: scratch)
                }
            }
        }
        let gflops = 2 * Double(shape.m) * Double(shape.n) * Double(shape.k) / seconds / 1e9
        let perWorker = phaseTimes.flatMap { times in
            times.calls == 0 ? nil
                : times.millisecondsPerCall.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.key.name, $0.value) }) }
        }
        return BenchmarkResult(group: "gemm", kernel: shape.name, shape: shape.description, threads: threads,
                               seconds: seconds, gflops: gflops,
                               percentOfPeak: 100 * gflops / peak.gflops(threads: threads), gigabytesPerSecond: nil,
                               phasesPerWorker: perWorker)
    }

    public enum GEMMSplit: Sendable { case tiles, pool }

    /// The elementwise kernels on a 256×1024 block (1 MiB of floats: in L2), in GB/s of memory
    /// the kernel reads and writes; only those whose name `selected` accepts are run.
    public static func elementwise(selected: (String) -> Bool = { _ in true }) -> [BenchmarkResult] {
        let rows = 256, cols = 1024, count = rows * cols
        let z = Matrix(rows: rows, cols: cols), a = Matrix(rows: rows, cols: cols)
        var generator = SeededGenerator(seed: 2)
        for i in 0..<rows { for j in 0..<cols { z[i, j] = Float(generator.nextUniform() * 8 - 4) } }
        a.copy(from: z)
        let bias = Matrix(rows: 1, cols: cols)
        let labels = RowBuffer<Int32>(repeating: 3, count: rows)
        let losses = RowBuffer<Double>(repeating: 0, count: rows)
        let pixels = [UInt8](repeating: 77, count: count)
        var results: [BenchmarkResult] = []
        func record(_ name: String, bytes: Int, _ body: () -> Void) {
            guard selected(name) else { return }
            let seconds = Stopwatch.bestTime(body)
            results.append(BenchmarkResult(group: "elementwise", kernel: name, shape: "\(rows)×\(cols)", threads: 1,
                                           seconds: seconds, gflops: nil, percentOfPeak: nil,
                                           gigabytesPerSecond: Double(bytes) / seconds / 1e9))
        }
        for kind in [ActivationKernel.relu, .sigmoid, .tanh] {
            record("bias+\(kind) forward", bytes: 8 * count) {
                z.copy(from: a)  // keep inputs in range (also counted: one more read+write)
                biasActivationForward(z.all, bias: bias, kind: kind)
            }
        }
        for kind in [ActivationKernel.relu, .sigmoid, .tanh] {
            record("\(kind) backward", bytes: 12 * count) {
                activationBackward(z.all, output: a.all, kind: kind)
            }
        }
        record("softmax-CE fwd+bwd (1024 classes)", bytes: 8 * count) {
            lossKernel(.softmaxCrossEntropy, outputs: a.all, labels: labels, gradient: z.all, scale: 1, losses: losses,
                       smoothing: 0)
        }
        record("u8 pixels → Float", bytes: 5 * count) {
            pixels.withUnsafeBufferPointer { convertPixels($0, scale: 1 / 255, into: z.all) }
        }
        record("column sums (bias gradient)", bytes: 4 * count) {
            columnSums(a.all, into: bias)
        }
        return results
    }

    /// Profiles `steps` training steps of a network with `layers` at `batch` on synthetic
    /// MNIST-sized data (so the bench needs no dataset): as many images as an epoch of the
    /// default split (50,000), so each batch's images come from memory as in training — 4,096
    /// images (3.2 MB) stayed in L3 and the gather read about half of `train --profile`'s
    /// (Zen 3, batch 32, 2 threads: 8-11 vs 15.8 µs per step).
    /// The update is plain SGD's fused step. With `augmentation` on, the synthetic images are
    /// square (the input size must be a square).
    public static func trainingStep(layers: [Int], batch: Int, threads: Int, steps: Int,
                                    augmentation: AugmentationSettings = AugmentationSettings(),
                                    everyThread: Bool = false) -> StepProfile {
        let network = Network(sizes: layers, activation: .relu, outputActivation: .identity, loss: .softmaxCrossEntropy)
        var generator = SeededGenerator(seed: 3)
        network.initialize(.xavier, using: &generator)
        let images = 50_000
        var pixels = [UInt8](repeating: 0, count: images * layers[0])
        for start in stride(from: 0, to: pixels.count, by: 8) {  // 8 pixels per random draw
            let bits = generator.next()
            for byte in 0..<min(8, pixels.count - start) {
                pixels[start + byte] = UInt8(truncatingIfNeeded: bits >> (8 * byte))
            }
        }
        let labels = (0..<images).map { _ in Int32(generator.nextInt(below: layers[layers.count - 1])) }
        let side = Int(Double(layers[0]).squareRoot().rounded())
        let square = side * side == layers[0]
        precondition(!augmentation.isOn || square, "augmentation needs square images")
        let data = Dataset(imageShape: square ? [side, side] : [layers[0]], pixels: pixels, labels: labels, labelsSource: "synthetic")
        let augmenter = augmentation.isOn ? Augmenter(settings: augmentation, imageShape: data.imageShape, seed: 3) : nil
        let workspace = NetworkWorkspace(network: network, capacity: batch)
        let context = ComputeContext(threads: threads)
        var order = Array(0..<images)
        generator.shuffle(&order)
        // Warm up (caches, scratch growth, worker wake-up), then profile.
        let update = ParameterUpdate(settings: OptimizerSettings(kind: .sgd), network: network)
        let warmUp = TrainingStepJob(network: network, data: data, workspace: workspace, context: context,
                                     update: update, profile: nil, augmenter: augmenter)
        for s in 0..<20 {
            let start = (s * batch) % (images - batch)
            _ = warmUp.step(order[start..<(start + batch)], rate: 0.01, step: s + 1)
        }
        let profile = StepProfile(layerCount: network.layers.count, parts: context.threads, everyPart: everyThread)
        let job = TrainingStepJob(network: network, data: data, workspace: workspace, context: context,
                                  update: update, profile: profile, augmenter: augmenter)
        for s in 0..<steps {
            let start = (s * batch) % (images - batch)
            let next = ((s + 1) * batch) % (images - batch)
            _ = job.step(order[start..<(start + batch)], rate: 0.01, step: 21 + s, next: order[next..<(next + batch)])
        }
        return profile
    }
}
