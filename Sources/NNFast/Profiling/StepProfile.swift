/// Where a training step's time goes, per phase and per layer, as seen by each thread, and where
/// the rest of the step goes when it runs on several threads.
///
/// Part 0 timestamps its own share of each phase; with the batch and the parameters split
/// evenly that is the phase's wall time. Asked to (`everyPart`), the other parts time theirs
/// too (`timer(part:)`), which shows where a split is uneven or a core slower. Off by default,
/// because their clock reads land on the worker's share of the step, which the bench times: a
/// first version, on always (and with both threads taking their timer from this shared object),
/// read the batch-32 step on two threads 2-3% slower (Zen 4, family 25 model 17,
/// `compare_builds.py`, 41 rounds each way). The rest of the step's wall time is accounted for per
/// parallel job (a step runs two or more, one barrier each), from how long each part was busy:
/// - `imbalance`: the longest other part ran past part 0 (an uneven split, a slower core, a
///   worker that lost its core mid-part);
/// - `ran alone`: the other parts' work when the pool ran a job on the caller alone (its
///   back-off after it judged the machine busy, or the step's `ParallelSpeedCheck` after it
///   found one thread faster than all), so they ran after part 0 instead of beside it;
/// - `wait`: what is left — publishing the job, a worker starting its part late, joining.
/// Timing costs two clock reads per phase per layer and per part per job, and only when
/// profiling is on.
public final class StepProfile {
    public let layerCount: Int
    /// The phase times of part 0 and, with `everyPart`, of each other part; each written only by
    /// the thread running that part.
    private let timers: [PhaseTimer]
    public private(set) var steps = 0
    public private(set) var wallNanoseconds: UInt64 = 0
    public private(set) var flops: Double = 0
    /// Parallel jobs run, and how many of them the pool ran on the caller alone.
    public private(set) var jobs = 0
    public private(set) var soloJobs = 0
    /// Of `soloJobs`, those run alone because one thread was faster than all of them
    /// (`ParallelSpeedCheck`), not by the pool's back-off.
    public private(set) var soloJobsByChoice = 0
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

    public init(layerCount: Int, parts: Int = 1, everyPart: Bool = false) {
        self.layerCount = layerCount
        timers = (0..<(everyPart ? max(1, parts) : 1)).map { _ in PhaseTimer(layerCount: layerCount) }
        partClocks = (0..<max(1, parts)).map { _ in _PartClock() }
    }

    /// The parts (threads) whose phases are timed: 1, or every part with `everyPart`.
    public var timedParts: Int { timers.count }

    /// The timer part `part` runs its phases under; nil for a part not timed.
    func timer(part: Int) -> PhaseTimer? { part < timers.count ? timers[part] : nil }

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
    func endJob(ranAlone: Bool, byChoice: Bool = false) {
        jobs += 1
        if ranAlone && byChoice { soloJobsByChoice += 1 }
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

    /// Part `part`'s time in `phase` (part 0's: the phase's wall time); `part` < `timedParts`.
    public func seconds(_ phase: Phase, part: Int = 0) -> Double { timers[part].seconds(phase) }
    public var wallSeconds: Double { Double(wallNanoseconds) / 1e9 }
    public var imbalanceSeconds: Double { Double(imbalanceNanoseconds) / 1e9 }
    public var aloneSeconds: Double { Double(aloneNanoseconds) / 1e9 }
    public var waitSeconds: Double {
        let accounted = timers[0].totalNanoseconds + imbalanceNanoseconds + aloneNanoseconds
        return max(0, wallSeconds - Double(accounted) / 1e9)
    }

    /// Part `part`'s rows of (phase name, seconds), in execution order; `part` < `timedParts`.
    public func phaseRows(part: Int) -> [(name: String, seconds: Double)] {
        let time = { (phase: Phase) in self.seconds(phase, part: part) }
        var result: [(String, Double)] = [("gather", time(.gather))]
        if seconds(.augment) > 0 { result = [("augment", time(.augment))] }  // part 0 decides, so all parts list the same rows
        for l in 0..<layerCount { result.append(("forward L\(l + 1)", time(.forward(layer: l)))) }
        result.append(("loss", time(.loss)))
        for l in (0..<layerCount).reversed() { result.append(("backward L\(l + 1)", time(.backward(layer: l)))) }
        for l in 0..<layerCount { result.append(("update L\(l + 1)", time(.update(layer: l)))) }
        return result
    }

    /// Part 0's phase rows, then `imbalance` and `ran alone` (on more than one thread) and
    /// `wait` last.
    public var rows: [(name: String, seconds: Double)] {
        var result = phaseRows(part: 0)
        if partClocks.count > 1 {
            result.append(("imbalance", imbalanceSeconds))
            result.append(("ran alone", aloneSeconds))
        }
        result.append(("wait", waitSeconds))
        return result
    }
}

/// One part's time in each phase of the step. One object per part, so each is written only by
/// the thread running that part; its counters sit 64 bytes inside their array so that two parts'
/// arrays never share a cache line, which would make every timestamp a cross-core store.
final class PhaseTimer {
    private let layerCount: Int
    private var nanoseconds: [UInt64]
    private static let guardSlots = 8
    /// Makes the object at least 64 bytes long, so two parts' timers, allocated one after the
    /// other, keep their reference counts (written when a part takes its timer) on separate lines.
    private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)

    init(layerCount: Int) {
        self.layerCount = layerCount
        nanoseconds = Array(repeating: 0, count: 3 + 3 * layerCount + 2 * PhaseTimer.guardSlots)
    }

    private func slot(_ phase: StepProfile.Phase) -> Int {
        let index = switch phase {
        case .gather: 0
        case .loss: 1
        case .augment: 2
        case .forward(let layer): 3 + layer
        case .backward(let layer): 3 + layerCount + layer
        case .update(let layer): 3 + 2 * layerCount + layer
        }
        return PhaseTimer.guardSlots + index
    }

    /// Runs `body`, adding its duration to `phase`.
    @inline(__always)
    func time<T>(_ phase: StepProfile.Phase, _ body: () -> T) -> T {
        let start = Stopwatch.now()
        let result = body()
        nanoseconds[slot(phase)] += Stopwatch.now() - start
        return result
    }

    func seconds(_ phase: StepProfile.Phase) -> Double { Double(nanoseconds[slot(phase)]) / 1e9 }

    var totalNanoseconds: UInt64 { nanoseconds.reduce(0, +) }
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
