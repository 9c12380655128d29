/// The threads a network computes with: a worker pool and one GEMM scratch per thread.
/// One context per training or evaluation loop; `run` is not re-entrant.
public final class ComputeContext {
    public let threads: Int
    let pool: WorkerPool
    let scratches: [GEMMScratch]

    public init(threads: Int = 1) {
        self.threads = max(1, threads)
        pool = WorkerPool(threads: self.threads)
        scratches = (0..<self.threads).map { _ in GEMMScratch() }
    }

    /// Runs `body(part, scratch)` for every part on its own thread and waits for all. Parts
    /// must write disjoint data. (One allocation per call: for code off the per-step path.)
    func run(_ body: (Int, GEMMScratch) -> Void) {
        pool.run { part in body(part, scratches[part]) }
    }

    /// Runs a preallocated job on every thread (or, with `alone`, every part on the caller):
    /// nothing is allocated.
    func run(_ job: ParallelJob, alone: Bool = false) {
        pool.run(job, alone: alone)
    }
}
