import Foundation
import Synchronization

/// Persistent worker threads for fine-grained parallel work: one training step at batch 32
/// takes ~100 µs, and forking it through `DispatchQueue.concurrentPerform` costs several µs
/// per call (`nnfast bench` measures both on the machine at hand).
///
/// A job has one part per thread, and the parts are claimed, not assigned: every thread, the
/// caller included, takes the next unclaimed part until none is left. On a quiet machine each
/// thread takes one. On a loaded one — another process holding a core — a worker may not be
/// running when the job is published; the caller then runs its part too instead of spinning
/// while the worker waits for a core, and the step costs what one thread costs, not a
/// time slice. (Each part writes its own data and its scratch is chosen by part, not by thread,
/// so who runs a part never changes a result.)
///
/// When a worker that claimed a part is descheduled anyway, the caller ends up waiting until it
/// gets a core back: a scheduler's time slice, milliseconds. Such stalls, when they recur, are
/// taken as a sign the machine is busy (`ContentionBackOff` says exactly when): the pool then runs
/// the next jobs alone — every part in turn on the caller, the same parts, so the same results —
/// for a back-off period (50 ms, doubling on each repeat up to 0.8 s), then tries its workers
/// again. Measured with one competing busy process on the 2-core AVX-512 machine (Zen 4 kind),
/// `python3 tools/measure_contention.py`: a default epoch took 2.4-2.6× its quiet time before
/// parts were claimed, 1.8-2.2× with claimed parts but no back-off (3 rounds each), and 1.3-1.6×
/// with both (5 rounds). A back-off on a quiet machine costs one period at one thread's speed.
///
/// Waiting is bounded both ways. Workers spin for the next job for a short budget, so back-to-back
/// jobs start within nanoseconds, then sleep on a condition variable, so an idle pool costs no
/// CPU. The caller, once it has no part left to claim, spins for a short budget on the parts
/// still running, then sleeps until the last one ends, handing its core to the thread it waits for.
///
/// `run` is the only entry point; it must not be called concurrently or re-entrantly.
///
/// A job is an object, not a closure: storing a closure for other threads to call means boxing
/// its context on the heap on every call, and the training step must not allocate.
final class WorkerPool: @unchecked Sendable {
    /// Threads taking part in each `run`, the caller included; also the number of parts.
    let threadCount: Int
    private let shared: _WorkerPoolState
    /// Whether the machine looks busy, so that jobs run on the caller alone for a while.
    private var backOff = ContentionBackOff()
    /// Whether stalls send jobs to the caller alone (`backOff`). A pool whose jobs balance
    /// themselves over units much smaller than a part (`GEMMWorkers`) turns it off.
    private let backsOff: Bool
    /// Jobs run alone since the pool was made (the step profile reads it), and stalls seen
    /// (for tests).
    private(set) var soloRuns = 0
    private(set) var stalls = 0

    init(threads: Int, backsOff: Bool = true) {
        threadCount = max(1, threads)
        self.backsOff = backsOff
        // Yielding while spinning only helps when threads outnumber cores; otherwise it can hand
        // the core to another process for a whole time slice, far longer than a step phase.
        shared = _WorkerPoolState(parts: threadCount,
                                  yieldWhileSpinning: threadCount > ProcessInfo.processInfo.activeProcessorCount)
        for index in 1..<threadCount {
            let state = shared
            let thread = Thread { state.workerLoop() }
            thread.name = "nnfast-worker-\(index)"
            thread.start()
        }
    }

    deinit {
        shared.shutDown()
    }

    /// Calls `job.run(part: i)` exactly once for every `i` in `0..<threadCount` — each part on
    /// one thread, one thread possibly running several — and returns when all have finished.
    /// With `alone`, every part runs on the caller, in order (`ParallelSpeedCheck` asks for it).
    /// Allocates nothing.
    func run(_ job: ParallelJob, alone: Bool = false) {
        guard threadCount > 1 else { return job.run(part: 0) }
        let published = Stopwatch.now()
        if alone || (backsOff && backOff.runsAlone(at: published)) {
            soloRuns += 1
            for part in 0..<threadCount { job.run(part: part) }
            return
        }
        shared.publish(job)
        shared.runClaimedParts(byCaller: true)
        let callerWork = Stopwatch.now() - published
        shared.waitForParts()
        if backsOff && backOff.jobEnded(at: Stopwatch.now(), callerWork: callerWork,
                            longestWorkerPart: shared.longestWorkerPartNanoseconds) {
            stalls += 1
        }
    }

    /// Closure form, for code off the hot path (it boxes the closure: one allocation per call).
    func run(_ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in run(_ClosureJob(escapable)) }
    }
}

/// Work split into parts that may run on different threads at once; parts must write
/// disjoint data, and must not wait for one another (one thread may run several in turn).
protocol ParallelJob: AnyObject {
    func run(part: Int)
}

private final class _ClosureJob: ParallelJob {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
    func run(part: Int) { body(part) }
}
