import Foundation
import Synchronization

/// Persistent worker threads for fine-grained parallel work: one training step at batch 32
/// takes ~100 µs, and forking it through `DispatchQueue.concurrentPerform` costs several µs
/// per call (`nnfast bench` measures both on the machine at hand). Workers spin on an atomic
/// generation counter for a short while after each job, so back-to-back jobs start within
/// nanoseconds, then sleep on a condition variable so an idle pool costs no CPU.
///
/// `run` is the only entry point; it must not be called concurrently or re-entrantly.
///
/// A job is an object, not a closure: storing a closure for other threads to call means boxing
/// its context on the heap on every call, and the training step must not allocate.
final class WorkerPool: @unchecked Sendable {
    /// Threads taking part in each `run`, the caller included.
    let threadCount: Int
    private let shared: _WorkerPoolState

    init(threads: Int) {
        threadCount = max(1, threads)
        // Yielding while spinning only helps when threads outnumber cores; otherwise it can hand
        // the core to another process for a whole time slice, far longer than a step phase.
        shared = _WorkerPoolState(yieldWhileSpinning: threadCount > ProcessInfo.processInfo.activeProcessorCount)
        for index in 1..<threadCount {
            let state = shared
            let thread = Thread { state.workerLoop(index: index) }
            thread.name = "nnfast-worker-\(index)"
            thread.start()
        }
    }

    deinit {
        shared.shutDown()
    }

    /// Calls `job.run(part: i)` once for every `i` in `0..<threadCount`, on distinct threads
    /// (0 on the caller), and returns when all have finished. Allocates nothing.
    func run(_ job: ParallelJob) {
        guard threadCount > 1 else { return job.run(part: 0) }
        shared.publish(job, workers: threadCount - 1)
        job.run(part: 0)
        shared.waitForWorkers()
    }

    /// Closure form, for code off the hot path (it boxes the closure: one allocation per call).
    func run(_ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in run(_ClosureJob(escapable)) }
    }
}

/// Work split into parts that may run on different threads at once; parts must write
/// disjoint data.
protocol ParallelJob: AnyObject {
    func run(part: Int)
}

private final class _ClosureJob: ParallelJob {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
    func run(part: Int) { body(part) }
}

/// The state the workers share with the pool. The job closure is only written while no worker
/// runs (before the generation bump that releases them, after `remaining` reaches zero).
final class _WorkerPoolState: @unchecked Sendable {
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let condition = NSCondition()
    private var job: ParallelJob?
    private let yieldWhileSpinning: Bool

    init(yieldWhileSpinning: Bool) {
        self.yieldWhileSpinning = yieldWhileSpinning
    }
    /// How long a worker spins for the next job before it sleeps.
    private let spinNanoseconds: UInt64 = 200_000

    func publish(_ newJob: ParallelJob, workers: Int) {
        job = newJob
        remaining.store(workers, ordering: .relaxed)
        condition.lock()
        generation.add(1, ordering: .releasing)
        condition.broadcast()
        condition.unlock()
    }

    func waitForWorkers() {
        var spins = 0
        while remaining.load(ordering: .acquiring) != 0 {
            spins += 1
            // More threads than free cores (`--threads 8` on two): let the workers we wait for run.
            if yieldWhileSpinning && spins & 4095 == 0 { sched_yield() }
        }
        job = nil
    }

    func shutDown() {
        condition.lock()
        stopping.store(true, ordering: .releasing)
        generation.add(1, ordering: .releasing)
        condition.broadcast()
        condition.unlock()
    }

    func workerLoop(index: Int) {
        // Start from the pool's first generation, not from whatever the counter holds when this
        // thread gets going: a job may have been published before the thread started.
        var seen = 0
        while true {
            var current = generation.load(ordering: .acquiring)
            if current == seen {
                let spinStart = DispatchTime.now().uptimeNanoseconds
                var spins = 0
                while current == seen {
                    spins += 1
                    if spins & 1023 == 0 {
                        if DispatchTime.now().uptimeNanoseconds - spinStart > spinNanoseconds {
                            condition.lock()
                            while generation.load(ordering: .acquiring) == seen { condition.wait() }
                            condition.unlock()
                        } else if yieldWhileSpinning {
                            sched_yield()  // more threads than cores: let the others run
                        }
                    }
                    current = generation.load(ordering: .acquiring)
                }
            }
            seen = current
            if stopping.load(ordering: .acquiring) { return }
            job?.run(part: index)
            remaining.subtract(1, ordering: .releasing)
        }
    }
}
