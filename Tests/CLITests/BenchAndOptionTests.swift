import Foundation
import Testing

@Suite struct BenchAndOptionTests {
    /// `bench --quick --json` (cut to two GEMMs and one elementwise kernel by --filter, to stay
    /// quick): one JSON object with the measured peak and a result per kernel and thread count.
    @Test func benchPrintsOneJSONObject() throws {
        let result = try nnfast(["bench", "--quick", "--json", "--threads", "2", "--filter", "gemm 128"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let peak = try #require(object["peak"] as? [String: Any])
        #expect((peak["single_thread_gflops"] as? Double ?? 0) > 0)
        // How the probe's threads scaled: the all-threads rate over two single threads'.
        let single = peak["single_thread_gflops"] as? Double ?? 0, all = peak["all_threads_gflops"] as? Double ?? 0
        let scaling = try #require(peak["all_threads_scaling"] as? Double)
        #expect(abs(scaling - all / (2 * single)) < 1e-9)
        // A second probe runs only when a kernel read above the first: without one, no kernel
        // is listed above the peak.
        if let after = object["peak_after_kernels"] as? [String: Any] {
            #expect((after["all_threads_gflops"] as? Double ?? 0) > 0)
        } else {
            #expect((object["above_peak"] as? [String])?.isEmpty == true)
        }
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.count == 2, "gemm 128³ on 1 and 2 threads")
        for entry in results {
            #expect(entry["kernel"] as? String == "gemm 128³")
            #expect((entry["gflops"] as? Double ?? 0) > 0)
        }
        #expect(result.stdout.split(separator: "\n").count == 1)
    }

    /// `--batches` picks the batch sizes of the layer-shape rows: batch 128's last forward GEMM
    /// is 128×200·200×10 on each thread count, and no batch-32 row is left.
    @Test func benchProfilesTheBatchSizesAsked() throws {
        let result = try nnfast(["bench", "--quick", "--json", "--threads", "2", "--batches", "128",
                                 "--filter", "L3 forward"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.map { $0["kernel"] as? String } == Array(repeating: "b128 L3 forward X·W", count: 2))
        #expect(results.map { $0["shape"] as? String } == Array(repeating: "128×200·200×10", count: 2))
        #expect(results.map { $0["threads"] as? Int } == [1, 2])
    }

    /// --gemm-phases puts lines under each square GEMM: one per worker for a packed one (512³ and
    /// up), "not timed" for an unpacked one. `GEMMPhaseTimesTests` checks the phases themselves.
    @Test func gemmPhasesPrintEachWorkersPhasesOrSayTheyWereNotTimed() throws {
        let packed = try nnfast(["bench", "--quick", "--threads", "2", "--filter", "gemm 512", "--gemm-phases"])
        #expect(packed.status == 0, "stderr: \(packed.stderr)")
        let packedLines = packed.stdout.split(separator: "\n").map(String.init)
        let packedRows = packedLines.indices.filter { packedLines[$0].hasPrefix("gemm 512³") }
        #expect(packedRows.count == 2, "gemm 512³ on 1 and 2 threads")
        for (threads, row) in zip([1, 2], packedRows) {
            let workers = packedLines.dropFirst(row + 1).prefix { $0.hasPrefix("  worker ") }
            #expect(workers.count == threads, "\(packed.stdout)")
            for line in workers {
                #expect(["start", "pack B", "pack A", "multiply", "wait", "(sum"].allSatisfy(line.contains), "\(line)")
            }
        }
        let unpacked = try nnfast(["bench", "--quick", "--threads", "2", "--filter", "gemm 128", "--gemm-phases"])
        #expect(unpacked.status == 0, "stderr: \(unpacked.stderr)")
        let lines = unpacked.stdout.split(separator: "\n")
        let rows = lines.indices.filter { lines[$0].hasPrefix("gemm 128³") }
        #expect(rows.count == 2, "gemm 128³ on 1 and 2 threads")
        for row in rows where row + 1 < lines.count {
            #expect(lines[row + 1].contains("unpacked path: phases not timed"))
        }
    }

    /// Every command takes --threads the same way: a number ≥ 1 or auto; 0 is refused by the parser.
    @Test(arguments: [["eval", "x.nnw"], ["bench"], ["train"]])
    func zeroThreadsIsAUsageError(command: [String]) throws {
        expectFailure(try nnfast(command + ["--threads", "0"]), status: 64, "--threads")
    }

    @Test func optionChecksInValidateKeepExit64AndOneLine() throws {
        expectFailure(try nnfast(["bench", "--layers", "784"]), status: 64, "--layers", "two positive sizes")
        expectFailure(try nnfast(["bench", "--batches", "32,0"]), status: 64, "--batches", "from 1 to 2048")
        expectFailure(try nnfast(["bench", "--batches", "4096"]), status: 64, "--batches", "from 1 to 2048")
        expectFailure(try nnfast(["train", "--optimizer", "adam", "--momentum", "0.5"]), status: 64, "--momentum")
    }
}
