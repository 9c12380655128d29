/// Where the packed GEMM's threads spend their calls (`nnfast bench --gemm-phases`): per worker,
/// the time from the call's start to the worker's first unit, packing B, packing A, multiplying,
/// and waiting for units other threads hold (`_GEMMPackedProgress`; claiming is counted there
/// too), summed over the calls since the times were made.
///
/// It answers what a call's GFLOP/s cannot: whether a thread started late (a parked
/// `concurrentPerform` worker), packed more than its share, or waited. Set it on a
/// `GEMMScratch` (`phaseTimes`) and every packed call through that scratch adds to it; without
/// one, the GEMM's cost is one nil test per unit of work. The unpacked path is not timed.
///
/// Each worker writes only its own clock, between the fork and the join, which order those writes
/// before any read; one GEMM at a time, like the scratch.
public final class GEMMPhaseTimes: @unchecked Sendable {
    public enum Phase: Int, CaseIterable, Sendable {
        case start, packB, packA, multiply, wait

        public var name: String {
            switch self {
            case .start: "start"
            case .packB: "pack B"
            case .packA: "pack A"
            case .multiply: "multiply"
            case .wait: "wait"
            }
        }
    }

    /// One worker's sums: an object per worker, so that no two workers write the same one.
    final class _WorkerClock {
        var nanoseconds = [UInt64](repeating: 0, count: Phase.allCases.count)
    }

    private var clocks: [_WorkerClock] = []
    /// Packed calls timed so far.
    public private(set) var calls = 0

    public init() {}

    /// Called before a call's fork: counts the call and makes room for `workers` clocks.
    func callStarts(workers: Int) {
        while clocks.count < workers { clocks.append(_WorkerClock()) }
        calls += 1
    }

    /// Adds the time from `start` (a `Stopwatch.now()` reading) to now to worker `worker`'s
    /// `phase`, and returns now: the start of whatever the worker does next.
    func add(_ phase: Phase, since start: UInt64, worker: Int) -> UInt64 {
        let now = Stopwatch.now()
        clocks[worker].nanoseconds[phase.rawValue] &+= now &- start
        return now
    }

    /// Mean milliseconds per call of each phase, one entry per worker index of the fork.
    public var millisecondsPerCall: [[Phase: Double]] {
        guard calls > 0 else { return [] }
        return clocks.map { clock in
            Dictionary(uniqueKeysWithValues: Phase.allCases.map { ($0, Double(clock.nanoseconds[$0.rawValue]) / 1e6 / Double(calls)) })
        }
    }
}
