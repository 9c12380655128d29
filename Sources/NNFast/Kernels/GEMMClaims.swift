import Synchronization

/// The counter through which a multi-threaded GEMM's threads hand out its units of work: blocks
/// of C's tiles are claimed, not assigned, so a thread that runs slower (a core shared with
/// another process, a worker that starts late) takes fewer and the others take the rest,
/// instead of everyone waiting for its fixed share. Who computes a unit never changes its result.
///
/// A `GEMMScratch` owns one, so a call allocates nothing; like the scratch, one GEMM at a time.
final class _GEMMClaims: Sendable {
    private let next = Atomic<Int>(0)

    /// Starts a call's claims from zero. Called before the fork, which publishes the store.
    func reset() {
        next.store(0, ordering: .relaxed)
    }

    /// The next unit below `count` not yet taken, or nil when all are.
    func claim(below count: Int) -> Int? {
        let unit = next.add(1, ordering: .relaxed).oldValue
        return unit < count ? unit : nil
    }
}
