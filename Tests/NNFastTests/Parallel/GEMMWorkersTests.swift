import Foundation
import Testing
@testable import NNFast

/// Counts how often each worker index ran, and whether one ever ran twice at once. (An NSLock:
/// ThreadSanitizer does not see `Synchronization.Mutex` on Linux.)
private final class ForkRecord: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [Int]
    private var running: Set<Int> = []
    private var overlaps = false

    init(workers: Int) { counts = Array(repeating: 0, count: workers) }

    func enter(_ worker: Int) {
        lock.lock()
        defer { lock.unlock() }
        counts[worker] += 1
        if running.contains(worker) { overlaps = true }
        running.insert(worker)
    }

    func leave(_ worker: Int) {
        lock.lock()
        defer { lock.unlock() }
        running.remove(worker)
    }

    var calls: [Int] { lock.lock(); defer { lock.unlock() }; return counts }
    /// Whether one worker index ever ran twice at once (it owns per-worker scratch: it must not).
    var overlapped: Bool { lock.lock(); defer { lock.unlock() }; return overlaps }
}

/// Two callers' operands: both only read `a` and `b`, and each writes its own result.
private final class SharedOperands: @unchecked Sendable {
    let a: Matrix, b: Matrix, results: [Matrix]
    init(a: Matrix, b: Matrix, results: [Matrix]) { (self.a, self.b, self.results) = (a, b, results) }
}

@Suite struct GEMMWorkersTests {
    @Test(arguments: [1, 2, 3, ProcessInfo.processInfo.activeProcessorCount + 2], [0, GEMMWorkers.warmBelowFLOPs])
    func everyWorkerRunsOncePerFork(workers: Int, flops: Double) {
        // Back to back (the warm hand-over), then after the pool's workers have gone to sleep;
        // more workers than cores, and big calls, take the concurrentPerform path.
        let record = ForkRecord(workers: workers)
        for round in 0..<300 {
            if round == 299 { Thread.sleep(forTimeInterval: 0.01) }
            GEMMWorkers.fork(workers, flops: flops) { worker in
                record.enter(worker)
                record.leave(worker)
            }
        }
        #expect(record.calls == Array(repeating: 300, count: workers))
        #expect(!record.overlapped)
    }

    @Test func callersForkingAtOnceEachGetEveryWorker() {
        // The second caller finds the pool checked out and forks without it; neither waits for
        // the other, and each call still runs each of its worker indexes once.
        let records = [ForkRecord(workers: 2), ForkRecord(workers: 2)]
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            for _ in 0..<200 {
                GEMMWorkers.fork(2, flops: 0) { worker in
                    records[caller].enter(worker)
                    records[caller].leave(worker)
                }
            }
        }
        for record in records {
            #expect(record.calls == [200, 200])
            #expect(!record.overlapped)
        }
    }

    @Test func twoCallersMultiplyingAtOnceGetOneThreadsBits() {
        // Above the fork threshold on both paths (unpacked 240×300, packed 300×300 over two K
        // slices): the pooled call and the concurrentPerform one give one thread's bits.
        for (m, n, k) in [(240, 300, 200), (300, 300, gemmKC + 77)] {
            let a = Matrix(rows: m, cols: k, values: randomFloats(m * k, seed: 41))
            let b = Matrix(rows: k, cols: n, values: randomFloats(k * n, seed: 42))
            let one = Matrix(rows: m, cols: n)
            Matrix.multiply(a, b, into: one, threads: 1)
            let shared = SharedOperands(a: a, b: b, results: [Matrix(rows: m, cols: n), Matrix(rows: m, cols: n)])
            DispatchQueue.concurrentPerform(iterations: 2) { caller in
                for _ in 0..<5 { Matrix.multiply(shared.a, shared.b, into: shared.results[caller], threads: 2) }
            }
            for result in shared.results { #expect(result.values == one.values) }
        }
    }
}
