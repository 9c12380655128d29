import Foundation
import Synchronization

/// The state `WorkerPool`'s threads share.
///
/// Ordering: `publish` writes `job` and resets `finished` before it resets `nextPart` (release);
/// a thread reads `job` only after claiming a part (acquire), and the caller clears `job` only
/// after every part has finished — so `job` is never read while it is written. A worker that
/// wakes late finds every part of the job it was woken for claimed, or claims a part of the job
/// published since, which is just as good.
final class _WorkerPoolState: @unchecked Sendable {
    private let parts: Int
    private let yieldWhileSpinning: Bool
    private let generation = Atomic<Int>(0)
    private let nextPart = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let callerSleeping = Atomic<Bool>(false)
    /// The longest a worker took over one part of the current job, from claiming it to finishing
    /// it, in nanoseconds: how long a part ran, whatever its thread's wake-up cost.
    private let longestWorkerPart = Atomic<UInt64>(0)
    private let stopping = Atomic<Bool>(false)
    /// Workers sleep on it between jobs (after their spin budget); the caller sleeps on it for
    /// the last parts of a job (after its own).
    private let condition = NSCondition()
    private var job: ParallelJob?

    /// How long a worker spins for the next job before it sleeps: a few steps' worth, so the
    /// gaps between a step's phases never cost a wake-up.
    private let workerSpinNanoseconds: UInt64 = 200_000
    /// How long the caller spins on parts still running before it sleeps: longer than the usual
    /// imbalance between threads within a phase (a few µs), far shorter than a scheduler time slice.
    private let callerSpinNanoseconds: UInt64 = 50_000

    init(parts: Int, yieldWhileSpinning: Bool) {
        self.parts = parts
        self.yieldWhileSpinning = yieldWhileSpinning
        nextPart.store(parts, ordering: .relaxed)  // nothing to claim before the first job
    }

    func publish(_ newJob: ParallelJob) {
        job = newJob
        finished.store(0, ordering: .relaxed)
        longestWorkerPart.store(0, ordering: .relaxed)
        nextPart.store(0, ordering: .releasing)
        condition.lock()
        generation.add(1, ordering: .releasing)
        condition.broadcast()
        condition.unlock()
    }

    /// Runs unclaimed parts of the current job until none is left; a worker (not the caller)
    /// times each part it runs.
    func runClaimedParts(byCaller: Bool) {
        while true {
            let part = nextPart.add(1, ordering: .acquiringAndReleasing).oldValue
            guard part < parts else { return }
            if byCaller {
                job?.run(part: part)
            } else {
                let start = DispatchTime.now().uptimeNanoseconds
                job?.run(part: part)
                let duration = DispatchTime.now().uptimeNanoseconds - start
                var longest = longestWorkerPart.load(ordering: .relaxed)
                while duration > longest {
                    let (exchanged, current) = longestWorkerPart.compareExchange(
                        expected: longest, desired: duration, ordering: .relaxed)
                    if exchanged { break }
                    longest = current
                }
            }
            let done = finished.add(1, ordering: .sequentiallyConsistent).newValue
            if done == parts && callerSleeping.load(ordering: .sequentiallyConsistent) {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
        }
    }

    /// The longest part a worker ran in the job just waited for (read after `waitForParts`,
    /// whose acquiring load of `finished` orders it after every part's update).
    var longestWorkerPartNanoseconds: UInt64 { longestWorkerPart.load(ordering: .relaxed) }

    /// The caller's wait for parts other threads claimed: spin, then sleep until the last ends.
    func waitForParts() {
        guard finished.load(ordering: .acquiring) != parts else {
            job = nil
            return
        }
        let spinStart = DispatchTime.now().uptimeNanoseconds
        var spins = 0
        while finished.load(ordering: .acquiring) != parts {
            spins += 1
            guard spins & 255 == 0 else { continue }
            if yieldWhileSpinning { sched_yield() }
            if DispatchTime.now().uptimeNanoseconds - spinStart > callerSpinNanoseconds {
                condition.lock()
                callerSleeping.store(true, ordering: .sequentiallyConsistent)
                while finished.load(ordering: .sequentiallyConsistent) != parts { condition.wait() }
                callerSleeping.store(false, ordering: .relaxed)
                condition.unlock()
            }
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

    func workerLoop() {
        // Start from the pool's first generation, not from whatever the counter holds when this
        // thread gets going: a job may have been published before the thread started.
        var seen = 0
        while true {
            seen = waitForGeneration(after: seen)
            if stopping.load(ordering: .acquiring) { return }
            runClaimedParts(byCaller: false)
        }
    }

    /// Spins until the generation moves past `seen`, then sleeps on the condition; returns the new one.
    private func waitForGeneration(after seen: Int) -> Int {
        var current = generation.load(ordering: .acquiring)
        guard current == seen else { return current }
        let spinStart = DispatchTime.now().uptimeNanoseconds
        var spins = 0
        while current == seen {
            spins += 1
            if spins & 1023 == 0 {
                if DispatchTime.now().uptimeNanoseconds - spinStart > workerSpinNanoseconds {
                    condition.lock()
                    while generation.load(ordering: .acquiring) == seen { condition.wait() }
                    condition.unlock()
                } else if yieldWhileSpinning {
                    sched_yield()  // more threads than cores: let the others run
                }
            }
            current = generation.load(ordering: .acquiring)
        }
        return current
    }
}
