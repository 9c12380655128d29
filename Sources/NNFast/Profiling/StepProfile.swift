/// Where a training step's time goes, per phase and per layer, as seen by thread 0.
///
/// Thread 0 timestamps its own share of each phase; with the batch and the parameters split
/// evenly that is the phase's wall time. What is left of the step's wall time is waiting at the
/// two barriers (imbalance and wake-up), reported as `wait`. Timing costs two clock reads per
/// phase per layer, and only when profiling is on.
public final class StepProfile {
    public let layerCount: Int
    private(set) var nanoseconds: [UInt64]
    public private(set) var steps = 0
    public private(set) var wallNanoseconds: UInt64 = 0
    public private(set) var flops: Double = 0

    public enum Phase: Sendable, Equatable {
        /// Gathering the batch's images; `augment` instead when they are distorted on the way.
        case gather, augment, loss
        case forward(layer: Int), backward(layer: Int), update(layer: Int)
    }

    public init(layerCount: Int) {
        self.layerCount = layerCount
        nanoseconds = Array(repeating: 0, count: 3 + 3 * layerCount)
    }

    private func slot(_ phase: Phase) -> Int {
        switch phase {
        case .gather: 0
        case .loss: 1
        case .augment: 2
        case .forward(let layer): 3 + layer
        case .backward(let layer): 3 + layerCount + layer
        case .update(let layer): 3 + 2 * layerCount + layer
        }
    }

    /// Runs `body`, adding its duration to `phase`.
    @inline(__always)
    func time<T>(_ phase: Phase, _ body: () -> T) -> T {
        let start = Stopwatch.now()
        let result = body()
        nanoseconds[slot(phase)] += Stopwatch.now() - start
        return result
    }

    func addStep(wallNanoseconds: UInt64, flops: Double) {
        steps += 1
        self.wallNanoseconds += wallNanoseconds
        self.flops += flops
    }

    public func seconds(_ phase: Phase) -> Double { Double(nanoseconds[slot(phase)]) / 1e9 }
    public var wallSeconds: Double { Double(wallNanoseconds) / 1e9 }
    public var waitSeconds: Double { max(0, wallSeconds - Double(nanoseconds.reduce(0, +)) / 1e9) }

    /// Rows of (phase name, seconds) in execution order, with `wait` last.
    public var rows: [(name: String, seconds: Double)] {
        var result: [(String, Double)] = [("gather", seconds(.gather))]
        if seconds(.augment) > 0 { result = [("augment", seconds(.augment))] }
        for l in 0..<layerCount { result.append(("forward L\(l + 1)", seconds(.forward(layer: l)))) }
        result.append(("loss", seconds(.loss)))
        for l in (0..<layerCount).reversed() { result.append(("backward L\(l + 1)", seconds(.backward(layer: l)))) }
        for l in 0..<layerCount { result.append(("update L\(l + 1)", seconds(.update(layer: l)))) }
        result.append(("wait", waitSeconds))
        return result
    }
}

extension Network {
    /// FLOPs of one training step on `rows` rows: forward X·W, backward dZ·Wᵀ (not for the
    /// first layer) and Xᵀ·dZ, 2 per multiply-add; elementwise work not counted.
    public func stepFLOPs(rows: Int) -> Double {
        var macs = 0
        for (index, layer) in layers.enumerated() {
            let product = layer.inputSize * layer.outputSize
            macs += product * (index == 0 ? 2 : 3)
        }
        return 2 * Double(macs) * Double(rows)
    }
}
