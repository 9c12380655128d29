import Glibc
import Synchronization

/// What the packed GEMM's threads have finished of its units of work (`_GEMMPackedUnits`, handed
/// out in order by the scratch's `_GEMMClaims`): the packing and the multiplying units, counted,
/// for a unit that must wait for earlier ones (a slice's multiplies for its packed B; a K slice
/// for the one before it, which accumulates into the same C).
///
/// A unit only ever waits for units claimed before it, and those are held by threads that are
/// running or waiting for still earlier ones, so the waits always end. A `GEMMScratch` owns one;
/// like the scratch, one GEMM at a time.
final class _GEMMPackedProgress: Sendable {
    private let packed = Atomic<Int>(0)
    private let multiplied = Atomic<Int>(0)

    /// Starts a call from zero. Called before the fork, which publishes the stores.
    func reset() {
        packed.store(0, ordering: .relaxed)
        multiplied.store(0, ordering: .relaxed)
    }

    /// Records a finished packing unit; the release makes its packed panels visible to whoever
    /// sees the count.
    func finishedPacking() { packed.add(1, ordering: .releasing) }

    /// Records a finished multiplying unit; the release makes its C tiles visible likewise.
    func finishedMultiplying() { multiplied.add(1, ordering: .releasing) }

    /// Returns once `packing` packing units and `multiplying` multiplying units have finished.
    /// A wait is at most one unit long unless the thread holding that unit lost its core: it
    /// spins, and yields the core every few hundred checks so a descheduled peer (or another
    /// process) can run.
    func wait(packing: Int, multiplying: Int) {
        var checks = 0
        while packed.load(ordering: .acquiring) < packing || multiplied.load(ordering: .acquiring) < multiplying {
            checks += 1
            if checks & 255 == 0 { sched_yield() }
        }
    }
}
