import Dispatch

// The Goto/BLIS loop nest for large GEMMs, around the same micro-kernel:
//
//   for each KC-deep slice of K                      (B slice: KC × n, packed, shared, in L3/L2)
//     pack B's slice into NR-wide panels               (threads split the panels)
//     for each MC-tall block of C's rows, per thread  (A block: MC × KC, packed, in L2)
//       pack A's block into MR-tall panels
//       for each NR-wide panel of B                    (B panel: KC × NR, in L1/L2)
//         for each MR-tall panel of the A block        (A panel: MR × KC, streamed from L2)
//           micro-kernel → MR × NR tile of C (6×32 with AVX-512, 6×16 otherwise)
//
// Blocking sizes, measured on Zen 4 (32 KiB L1d, 1 MiB L2 per core) with the 6×32 tile:
// KC = 512 vs 256 at 1024³ gave the same speed on one thread and ~2% more on two (5.48-5.63
// vs 5.68-5.71 ms, alternating runs); MC ≤ 144 rows keeps an A block (≤ 288 KiB) in L2.
// Determinism: each C element is summed over K slices in order by one thread — the same
// partial sums whatever the thread count.

/// K-slice depth.
let gemmKC = 512
/// Upper bound on the rows of C in one packed A block.
let gemmMCMax = 144

/// Whether a problem is big enough for packing A and blocking K to pay (measured with
/// `nnfast bench`: unpacked is as fast up to ~512³; the MLP's shapes all stay unpacked).
func gemmPrefersPacked(m: Int, n: Int, k: Int) -> Bool {
    m >= 256 && n >= 256 && k > 512
}

func gemmPacked<Tile: GEMMTile>(_ x: _GEMMOperands, tile: Tile.Type, epilogue: GEMMEpilogue, scratch: GEMMScratch, threads: Int) {
    let (m, k, panelCount) = (x.m, x.k, x.panelCount(width: Tile.nr))
    let workers = max(1, threads)
    // Row blocks: a multiple of the worker count, each ≤ MC and a whole number of MR panels.
    let blocksPerWorker = max(1, (m + workers * gemmMCMax - 1) / (workers * gemmMCMax))
    let blockCount = workers * blocksPerWorker
    let blockRows = ((m + blockCount - 1) / blockCount + Tile.mr - 1) / Tile.mr * Tile.mr
    let bSize = panelCount * gemmKC * Tile.nr
    let aSize = blockRows * gemmKC
    let buffer = scratch.reserve(bSize + workers * aSize)
    let plan = _GEMMPackedPlan<Tile>(x: x, packedB: buffer, packedA: buffer + bSize, aSize: aSize, blockRows: blockRows)
    var p0 = 0
    while p0 < k {
        let kc = min(gemmKC, k - p0)
        // Earlier slices have already written α·partial (+ β·C): later ones accumulate, and
        // only the last applies the bias and activation.
        var sliceEpilogue = epilogue
        if p0 > 0 { sliceEpilogue.beta = 1 }
        if p0 + kc < k {
            sliceEpilogue.bias = nil
            sliceEpilogue.activation = .identity
        }
        if workers == 1 {
            plan.packB(p0: p0, kc: kc, panels: 0..<panelCount)
            plan.computeBlocks(p0: p0, kc: kc, worker: 0, workers: 1, epilogue: sliceEpilogue)
        } else {
            // Two forks per slice, each worth ~1 ms at the sizes that come here.
            let (p0, sliceEpilogue) = (p0, sliceEpilogue)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                plan.packB(p0: p0, kc: kc, panels: partition(panelCount, parts: workers, index: worker))
            }
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                plan.computeBlocks(p0: p0, kc: kc, worker: worker, workers: workers, epilogue: sliceEpilogue)
            }
        }
        p0 += kc
    }
}

/// The packed GEMM's operands and buffers. `@unchecked Sendable` because of the pointers:
/// threads pack disjoint B panels, each packs A into its own region, and each writes only its
/// own row blocks of C.
struct _GEMMPackedPlan<Tile: GEMMTile>: @unchecked Sendable {
    let x: _GEMMOperands
    let packedB: UnsafeMutablePointer<Float>
    let packedA: UnsafeMutablePointer<Float>
    let aSize: Int, blockRows: Int
    var panelCount: Int { x.panelCount(width: Tile.nr) }

    /// Packs K slice `[p0, p0 + kc)` of the given NR-wide panels of op(B).
    func packB(p0: Int, kc: Int, panels: Range<Int>) {
        let sliceStart = x.transB ? x.b + p0 : x.b + p0 * x.ldb
        for panel in panels {
            let col0 = panel * Tile.nr
            packPanelB(transB: x.transB, k: kc, col0: col0, width: min(Tile.nr, x.n - col0), nr: Tile.nr,
                       b: sliceStart, ldb: x.ldb, into: packedB + panel * kc * Tile.nr)
        }
    }

    /// Packs and multiplies this worker's row blocks against the packed B slice.
    func computeBlocks(p0: Int, kc: Int, worker: Int, workers: Int, epilogue: GEMMEpilogue) {
        let aBlock = packedA + worker * aSize
        var block = worker
        while block * blockRows < x.m {
            let row0 = block * blockRows
            let rows = min(blockRows, x.m - row0)
            var r = 0
            while r < rows {
                packPanelA(transA: x.transA, kc: kc, row0: row0 + r, height: min(Tile.mr, rows - r), mr: Tile.mr,
                           p0: p0, a: x.a, lda: x.lda, into: aBlock + r * kc)
                r += Tile.mr
            }
            for panel in 0..<panelCount {
                let col0 = panel * Tile.nr
                let bPanel = UnsafePointer(packedB + panel * kc * Tile.nr)
                var r = 0
                while r < rows {
                    Tile.multiply(
                        k: kc, a: aBlock + r * kc, aRowStride: 1, aKStride: Tile.mr,
                        b: bPanel, bKStride: Tile.nr,
                        c: x.c + (row0 + r) * x.ldc + col0, ldc: x.ldc,
                        rows: min(Tile.mr, rows - r), cols: min(Tile.nr, x.n - col0),
                        column: col0, epilogue: epilogue)
                    r += Tile.mr
                }
            }
            block += workers
        }
    }
}
