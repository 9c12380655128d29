import Dispatch
import Foundation
import Synchronization

/// The threads a multi-threaded GEMM call forks over: process-wide worker pools, one per thread
/// count, whose workers spin for a moment after each call (`WorkerPool`), so back-to-back calls
/// find them awake.
///
/// `DispatchQueue.concurrentPerform` wakes a parked libdispatch worker on every call, and on the
/// 2-vCPU Zen 4 VMs (AMD EPYC family 25 model 17) that worker started its iteration 31-36 µs
/// after the call in the median (a test program, release build: 400 back-to-back calls of 2
/// iterations spinning 200 µs, then 1 ms; p90 48 µs at 1 ms, while at 200 µs more than one call
/// in ten ran both iterations on the caller, the worker never starting). With 50 µs iterations
/// it never started at all. A 256³ GEMM on two threads is ~120 µs a thread, and OpenBLAS, whose
/// threads stay awake between calls, ran it 1.2-1.3× faster than that fork did.
///
/// A call checks a pool out for its duration. A second call on another thread meanwhile (two
/// callers multiplying at once) finds it checked out and forks over `concurrentPerform` as
/// before, and so does a call for more threads than the machine has cores. Which thread runs
/// which part never changes a GEMM's result.
enum GEMMWorkers {
    /// Runs `body(worker)` for every `worker` in `0..<workers` — at most one call per worker at a
    /// time, possibly several in turn on one thread — and returns when all have returned.
    static func fork(_ workers: Int, _ body: @Sendable (Int) -> Void) {
        guard workers > 1 else { return body(0) }
        guard let pool = checkOut(threads: workers) else {
            DispatchQueue.concurrentPerform(iterations: workers, execute: body)
            return
        }
        pool.run(body)
        checkIn(pool)
    }

    private struct Pools {
        /// Idle pools by thread count.
        var idle: [Int: WorkerPool] = [:]
        /// Thread counts a pool was made for (a count made but not idle is in use).
        var made: Set<Int> = []
    }

    private static let pools = Mutex(Pools())

    private static func checkOut(threads: Int) -> WorkerPool? {
        guard threads <= ProcessInfo.processInfo.activeProcessorCount else { return nil }
        return pools.withLock { pools in
            if let pool = pools.idle.removeValue(forKey: threads) { return pool }
            guard !pools.made.contains(threads) else { return nil }
            pools.made.insert(threads)
            return WorkerPool(threads: threads)
        }
    }

    private static func checkIn(_ pool: WorkerPool) {
        pools.withLock { $0.idle[pool.threadCount] = pool }
    }
}
