import Foundation
import Synchronization

/// The counters through which a packed GEMM's threads hand out its work: the units of B to pack,
/// how many of them are done, and the row blocks of C to compute. Work is claimed, not assigned,
/// so a thread that runs slower (a core shared with another process, a worker that starts late)
/// takes fewer units and the others take the rest, instead of everyone waiting for its fixed
/// share. Who computes a unit never changes its result.
///
/// A `GEMMScratch` owns one, so a call allocates nothing; like the scratch, one GEMM at a time.
final class _GEMMClaims: Sendable {
    private let nextPacking = Atomic<Int>(0)
    private let packed = Atomic<Int>(0)
    private let nextBlock = Atomic<Int>(0)

    /// Starts a call's claims from zero. Called before the fork, which publishes the stores.
    func reset() {
        nextPacking.store(0, ordering: .relaxed)
        packed.store(0, ordering: .relaxed)
        nextBlock.store(0, ordering: .relaxed)
    }

    /// The next packing unit below `count` not yet taken, or nil when all are.
    func claimPacking(below count: Int) -> Int? {
        let unit = nextPacking.add(1, ordering: .relaxed).oldValue
        return unit < count ? unit : nil
    }

    /// Says one packing unit is written (release: its panels are visible to whoever sees the count).
    func finishPacking() {
        packed.add(1, ordering: .releasing)
    }

    /// Waits until `count` packing units are written. Only a unit another thread claimed and has
    /// not finished is waited for: a few µs on a quiet machine. If that thread lost its core, the
    /// wait yields this one's, so a process it competes with can run meanwhile.
    func waitForPacking(count: Int) {
        var spins = 0
        while packed.load(ordering: .acquiring) < count {
            spins += 1
            if spins & 1023 == 0 { sched_yield() }
        }
    }

    /// The next row block below `count` not yet taken, or nil when all are.
    func claimBlock(below count: Int) -> Int? {
        let block = nextBlock.add(1, ordering: .relaxed).oldValue
        return block < count ? block : nil
    }
}
