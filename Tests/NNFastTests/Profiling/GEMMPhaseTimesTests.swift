import Foundation
import Testing
@testable import NNFast

@Suite struct GEMMPhaseTimesTests {
    /// A timed packed call records every worker's phases once per call, and computes the same
    /// bits as an untimed one; an unpacked call records nothing.
    @Test(arguments: [1, 2, 3])
    func aTimedPackedCallRecordsEachWorkersPhasesAndKeepsTheBits(threads: Int) {
        let (m, n, k) = (264, 259, gemmKC + 40)  // two K slices
        #expect(gemmPrefersPacked(m: m, n: n, k: k))
        let a = Matrix(rows: m, cols: k, values: randomFloats(m * k, seed: 31))
        let b = Matrix(rows: k, cols: n, values: randomFloats(k * n, seed: 32))
        let untimed = Matrix(rows: m, cols: n)
        Matrix.multiply(a, b, into: untimed, threads: threads)

        let scratch = GEMMScratch(), times = GEMMPhaseTimes()
        scratch.phaseTimes = times
        let timed = Matrix(rows: m, cols: n)
        Matrix.multiply(a, b, into: timed, threads: threads, scratch: scratch)
        Matrix.multiply(a, b, into: timed, threads: threads, scratch: scratch)
        #expect(timed.values == untimed.values)
        #expect(times.calls == 2)

        let workers = times.millisecondsPerCall
        #expect(workers.count == threads, "one clock per worker")
        for phases in workers {
            #expect(Set(phases.keys) == Set(GEMMPhaseTimes.Phase.allCases))
            #expect(phases.values.allSatisfy { $0 >= 0 && $0.isFinite })
        }
        // Some worker did each kind of work; which one is a matter of timing.
        for phase in [GEMMPhaseTimes.Phase.packB, .packA, .multiply] {
            #expect(workers.map { $0[phase]! }.reduce(0, +) > 0, "\(phase.name)")
        }

        let small = Matrix(rows: 64, cols: 64), product = Matrix(rows: 64, cols: 64)
        Matrix.multiply(small, small, into: product, threads: threads, scratch: scratch)
        #expect(times.calls == 2, "the unpacked path is not timed")
    }

    /// `bench --gemm-phases`'s result carries each worker's phases by name, and its JSON has them.
    @Test func aBenchmarkResultCarriesEachWorkersPhasesByName() throws {
        let shape = KernelBenchmarks.GEMMShape("packed", m: 260, n: 260, k: 260)  // just over 256³: packed
        #expect(gemmPrefersPacked(m: shape.m, n: shape.n, k: shape.k))
        let peak = MachinePeak(singleThreadGFLOPS: 1, threads: 2, allThreadsGFLOPS: 2)
        let result = KernelBenchmarks.gemmBenchmark(shape, threads: 2, peak: peak, phases: true)
        let workers = try #require(result.phasesPerWorker)
        #expect(workers.count == 2)
        for phases in workers { #expect(Set(phases.keys) == Set(GEMMPhaseTimes.Phase.allCases.map(\.name))) }
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(result)) as? [String: Any])
        #expect((json["phasesPerWorker"] as? [[String: Double]])?.count == 2)
    }
}
