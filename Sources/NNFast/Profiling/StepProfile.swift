/// Where a training step's time goes, per phase and per layer, as seen by thread 0, and where
/// the rest of the step goes when it runs on several threads.
///
/// Part 0 timestamps its own share of each phase; with the batch and the parameters split
/// evenly that is the phase's wall time. The rest of the step's wall time is accounted for per
/// parallel job (a step runs two or more, one barrier each), from how long each part was busy:
/// - `imbalance`: the longest other part ran past part 0 (an uneven split, a slower core, a
///   worker that lost its core mid-part);
/// - `ran alone`: the other parts' work when the pool ran a job on the caller alone (its
///   back-off after it judged the machine busy), so they ran after part 0 instead of beside it;
/// - `wait`: what is left — publishing the job, a worker starting its part late, joining.
/// Timing costs two clock reads per phase per layer and per part per job, and only when
/// profiling is on.
public final class StepProfile {
    public let layerCount: Int
    private(set) var nanoseconds: [UInt64]
    public private(set) var steps = 0
    public private(set) var wallNanoseconds: UInt64 = 0
    public private(set) var flops: Double = 0
    /// Parallel jobs run, and how many of them the pool ran on the caller alone.
    public private(set) var jobs = 0
    public private(set) var soloJobs = 0
    private(set) var imbalanceNanoseconds: UInt64 = 0
    private(set) var aloneNanoseconds: UInt64 = 0
    /// Each part's busy time in the current job; one object per part, so each is written by the
    /// one thread running that part, and read by the caller only after the job's barrier.
    private let partClocks: [_PartClock]

    public enum Phase: Sendable, Equatable {
        /// Gathering the batch's images; `augment` instead when they are distorted on the way.
        case gather, augment, loss
        case forward(layer: Int), backward(layer: Int), update(layer: Int)
    }

    public init(layerCount: Int, parts: Int = 1) {
        self.layerCount = layerCount
        nanoseconds = Array(repeating: 0, count: 3 + 3 * layerCount)
        partClocks = (0..<max(1, parts)).map { _ in _PartClock() }
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

    /// Runs `body` as `part` of the current job, adding its duration to that part's busy time.
    @inline(__always)
    func timePart(_ part: Int, _ body: () -> Void) {
        let start = Stopwatch.now()
        body()
        addPartTime(part, nanoseconds: Stopwatch.now() - start)
    }

    /// Adds to `part`'s busy time in the current job.
    func addPartTime(_ part: Int, nanoseconds: UInt64) {
        partClocks[part].nanoseconds += nanoseconds
    }

    /// Called by the caller before it publishes a job.
    func beginJob() {
        for clock in partClocks { clock.nanoseconds = 0 }
    }

    /// Called by the caller after the job's barrier: charges the other parts' time beyond part
    /// 0's to `imbalance`, or all of it to `ran alone` when the pool ran the job on the caller.
    func endJob(ranAlone: Bool) {
        jobs += 1
        let own = partClocks[0].nanoseconds
        var othersTotal: UInt64 = 0, longest: UInt64 = 0
        for clock in partClocks.dropFirst() {
            othersTotal += clock.nanoseconds
            longest = max(longest, clock.nanoseconds)
        }
        if ranAlone {
            soloJobs += 1
            aloneNanoseconds += othersTotal
        } else {
            imbalanceNanoseconds += longest > own ? longest - own : 0
        }
    }

    func addStep(wallNanoseconds: UInt64, flops: Double) {
        steps += 1
        self.wallNanoseconds += wallNanoseconds
        self.flops += flops
    }

    public func seconds(_ phase: Phase) -> Double { Double(nanoseconds[slot(phase)]) / 1e9 }
    public var wallSeconds: Double { Double(wallNanoseconds) / 1e9 }
    public var imbalanceSeconds: Double { Double(imbalanceNanoseconds) / 1e9 }
    public var aloneSeconds: Double { Double(aloneNanoseconds) / 1e9 }
    public var waitSeconds: Double {
        let accounted = nanoseconds.reduce(0, +) + imbalanceNanoseconds + aloneNanoseconds
        return max(0, wallSeconds - Double(accounted) / 1e9)
    }

    /// Rows of (phase name, seconds) in execution order, then `imbalance` and `ran alone` (on
    /// more than one thread) and `wait` last.
    public var rows: [(name: String, seconds: Double)] {
        var result: [(String, Double)] = [("gather", seconds(.gather))]
        if seconds(.augment) > 0 { result = [("augment", seconds(.augment))] }
        for l in 0..<layerCount { result.append(("forward L\(l + 1)", seconds(.forward(layer: l)))) }
        result.append(("loss", seconds(.loss)))
        for l in (0..<layerCount).reversed() { result.append(("backward L\(l + 1)", seconds(.backward(layer: l)))) }
        for l in 0..<layerCount { result.append(("update L\(l + 1)", seconds(.update(layer: l)))) }
        if partClocks.count > 1 {
            result.append(("imbalance", imbalanceSeconds))
            result.append(("ran alone", aloneSeconds))
        }
        result.append(("wait", waitSeconds))
        return result
    }
}

/// One part's busy time in the current job (a class, so each part's thread writes its own object).
final class _PartClock {
    var nanoseconds: UInt64 = 0
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
