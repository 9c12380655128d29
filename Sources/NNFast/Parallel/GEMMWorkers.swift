import Dispatch
import Foundation

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
/// threads stay awake between calls, ran it 1.20-1.25× faster than that fork did.
///
/// The pools do not back off to the caller alone when a worker stalls (`ContentionBackOff`):
/// a GEMM's threads claim units of work far smaller than a call, so a worker sharing its core
/// with another process still does what it can, and the caller takes the rest.
///
/// A call checks a pool out for its duration. A second call on another thread meanwhile (two
/// callers multiplying at once) finds it checked out and forks over `concurrentPerform` as
/// before, and so does a call for more threads than the machine has cores, or a big one
/// (`warmBelowFLOPs`). Which thread runs which part never changes a GEMM's result.
enum GEMMWorkers {
    /// Runs `body(worker)` for every `worker` in `0..<workers` — at most one call per worker at a
    /// time, possibly several in turn on one thread — and returns when all have returned.
    /// `flops`: the call's work, which decides whether warm workers pay (`warmBelowFLOPs`).
    static func fork(_ workers: Int, flops: Double, _ body: @Sendable (Int) -> Void) {
        guard workers > 1 else { return body(0) }
        guard flops < warmBelowFLOPs, let pool = checkOut(threads: workers) else {
            DispatchQueue.concurrentPerform(iterations: workers, execute: body)
            return
        }
        pool.run(body)
        checkIn(pool)
    }

    /// Calls this big fork over `concurrentPerform`, as before the pools: a late start costs them
    /// a few per cent at most, and a spinning worker may be worse company for another process (it
    /// competes for its core as an equal and can be descheduled mid-unit, where a freshly woken
    /// thread is run at once). Whether it is could not be settled on the Zen 4 VM: with a busy
    /// process pinned to the second core (`taskset -c 1`), two-thread 512³ read 0.83× with the pool
    /// against `concurrentPerform` (0.94× once the pool no longer backed off; AVX2 build, 11
    /// rounds), but within the same hour, with no busy process, a build that ran 512³ exactly as
    /// before read 0.75× against it. So the pool serves only calls where its gain was measured
    /// (80³ to 256³); 64 MFLOP is about 0.6 ms on one thread.
    ///
    /// The cut, measured later (the same VM, AVX-512 build): `nnfast bench --filter gemm --quick`
    /// with the cut moved past every size, alternated with this one; two-thread time with the
    /// pool over time without, median [worst]. Quiet, two runs of 8 and 12 rounds: 512³ 0.97× and
    /// 0.98× [1.81×, 1.54×], 1024³ 0.99× and 0.99× [1.83×, 1.82×]. But 256³, pooled on both sides,
    /// read 0.96× and 1.00× in the same runs: that is the noise. With a busy process (8 rounds):
    /// 512³ 1.05× [1.30×], 1024³ 0.91× [1.34×]. Neither side wins clearly, so the cut stays.
    static let warmBelowFLOPs = 64.0e6

    private struct Pools {
        /// Idle pools by thread count.
        var idle: [Int: WorkerPool] = [:]
        /// Thread counts a pool was made for (a count made but not idle is in use).
        var made: Set<Int> = []
    }

    /// Guarded by `poolsLock`. An `NSLock` rather than `Synchronization.Mutex`: on Linux,
    /// ThreadSanitizer does not see the futex inside `Mutex` and reports the accesses it guards.
    nonisolated(unsafe) private static var pools = Pools()
    private static let poolsLock = NSLock()

    /// The cores the process may run on, read once: on Linux `activeProcessorCount` reads the
    /// cgroup's CPU quota files on every call, 30 µs a call on the 2-vCPU Zen 3 VMs (AMD EPYC
    /// family 25 model 1; a loop of 2,000 calls, release build). Read per call, it cost a pooled
    /// 128³ GEMM on two threads as much as the second thread saved.
    private static let cores = ProcessInfo.processInfo.activeProcessorCount

    private static func checkOut(threads: Int) -> WorkerPool? {
        guard threads <= cores else { return nil }
        poolsLock.lock()
        defer { poolsLock.unlock() }
        if let pool = pools.idle.removeValue(forKey: threads) { return pool }
        guard !pools.made.contains(threads) else { return nil }
        pools.made.insert(threads)
        return WorkerPool(threads: threads, backsOff: false)
    }

    private static func checkIn(_ pool: WorkerPool) {
        poolsLock.lock()
        defer { poolsLock.unlock() }
        pools.idle[pool.threadCount] = pool
    }
}
