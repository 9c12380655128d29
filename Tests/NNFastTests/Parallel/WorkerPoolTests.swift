import Foundation
import Testing
@testable import NNFast

/// Counts, per part, how often and on which thread a job's parts ran.
private final class RecordingJob: ParallelJob, @unchecked Sendable {
    /// Each part writes only its own slot, so parts running at once do not race.
    let calls: RowBuffer<Int>
    private let lock = NSLock()
    private(set) var threadsSeen: Set<ObjectIdentifier> = []

    init(parts: Int) { calls = RowBuffer(repeating: 0, count: parts) }

    func run(part: Int) {
        calls[part] += 1
        lock.lock()
        threadsSeen.insert(ObjectIdentifier(Thread.current))
        lock.unlock()
    }
}

@Suite struct WorkerPoolTests {
    @Test(arguments: [1, 2, 3, 5])
    func everyPartRunsExactlyOncePerRun(threads: Int) {
        let pool = WorkerPool(threads: threads)
        let job = RecordingJob(parts: threads)
        for _ in 0..<200 { pool.run(job) }  // back to back: the spinning hand-over path
        for part in 0..<threads { #expect(job.calls[part] == 200) }
        #expect(job.threadsSeen.count == threads, "each part on its own thread")
    }

    @Test func workersWokenFromSleepStillRunEveryPart() throws {
        let pool = WorkerPool(threads: 3)
        let job = RecordingJob(parts: 3)
        pool.run(job)
        Thread.sleep(forTimeInterval: 0.05)  // past the spin budget: workers park on the condition
        pool.run(job)
        for part in 0..<3 { #expect(job.calls[part] == 2) }
    }

    @Test func runReturnsOnlyAfterEveryPartHasFinished() {
        let pool = WorkerPool(threads: 2)
        let sums = RowBuffer<Int>(repeating: 0, count: 2)
        for round in 1...100 {
            pool.run { part in
                var total = 0
                for i in 0..<(part == 1 ? 20_000 : 10) { total &+= i }  // the worker's part is the slow one
                sums[part] = total &+ round
            }
            #expect(sums[1] == (0..<20_000).reduce(0, &+) &+ round)
        }
    }

    @Test func partitionCoversTheRangeInOrderOnTheGranularity() {
        for count in [0, 1, 7, 17, 33, 100, 784] {
            for parts in 1...5 {
                let pieces = (0..<parts).map { partition(count, parts: parts, index: $0, granularity: 16) }
                #expect(pieces.first?.lowerBound == 0 && pieces.last?.upperBound == count)
                for (a, b) in zip(pieces, pieces.dropFirst()) {
                    #expect(a.upperBound == b.lowerBound)
                    #expect(a.upperBound % 16 == 0 || a.upperBound == count)
                }
            }
        }
    }
}
