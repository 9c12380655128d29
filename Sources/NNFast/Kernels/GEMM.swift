import Dispatch

/// The one GEMM entry point: `C = f(α·op(A)·op(B) + β·C + bias)`, row-major, op = identity or
/// transpose, f and the rest given by `epilogue` (plain `C = op(A)·op(B)` by default).
///
/// Shapes: op(A) m×k, op(B) k×n, C m×n; `lda`, `ldb`, `ldc` are the row strides of the stored
/// matrices (A is stored k×m when `transA`, B is stored n×k when `transB`).
///
/// Paths, chosen by shape: large problems go to the packed, cache-blocked path
/// (`gemmPacked`); the rest — every batch-32 layer of the MLP — run unpacked: A is read in
/// place (but for a row panel at a time in one case, `_GEMMPanelPlan.packsARowPanels`), and so
/// is B unless it is transposed (then its panels are packed once into scratch).
///
/// Tile: the micro-kernel shape; the engine passes `GEMMBuildTile`, the tests every selectable
/// one.
///
/// Threads: `threads > 1` forks over warm worker threads (`GEMMWorkers`) when the work is big
/// enough to pay for it. On the unpacked path the threads claim units of C's tiles one at a
/// time (`_GEMMClaims`); on the packed path, units of packing and multiplying (`gemmPacked`).
/// Each element of C is accumulated by exactly one micro-kernel call per K
/// slice, in K order, so the result is bitwise identical for every `threads` and whichever
/// thread computes what.
func gemm<Tile: GEMMTile>(
    tile: Tile.Type, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    epilogue: GEMMEpilogue = .plain, scratch: GEMMScratch, threads: Int = 1
) {
    guard m > 0 && n > 0 else { return }
    guard k > 0 && epilogue.alpha != 0 else {
        applyEpilogueOnly(c, rows: m, cols: n, ldc: ldc, epilogue: epilogue)
        return
    }
    let operands = _GEMMOperands(transA: transA, transB: transB, m: m, n: n, k: k,
                                 a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
    if gemmPrefersPacked(m: m, n: n, k: k) {
        gemmPacked(operands, tile: tile, epilogue: epilogue, scratch: scratch, threads: threads)
        return
    }
    let plan = _GEMMPanelPlan<Tile>(operands, epilogue: epilogue, scratch: scratch, workers: threads)
    let workers = gemmWorkerCount(m: m, n: n, k: k, threads: threads, tiles: plan.tileCount)
    if workers <= 1 {
        plan.compute(panels: 0..<plan.panelCount, rowPanels: 0..<plan.rowPanelCount, worker: 0)
    } else {
        // Each unit is a block of tiles of C, computed by whichever worker claims it: no two
        // threads write the same element, and A, B and the packed panels are only read.
        let units = _GEMMTileUnits(panels: plan.panelCount, rowPanels: plan.rowPanelCount, workers: workers)
        let claims = scratch.claims
        claims.reset()
        GEMMWorkers.fork(workers, flops: operands.flops) { worker in
            while let unit = claims.claim(below: units.count) {
                let (panels, rowPanels) = units.tiles(unit)
                plan.compute(panels: panels, rowPanels: rowPanels, worker: worker)
            }
        }
    }
}

/// How many threads a GEMM of this size should use: forking costs several microseconds, which
/// small GEMMs (the MLP's batch-32 layers) cannot amortize.
func gemmWorkerCount(m: Int, n: Int, k: Int, threads: Int, tiles: Int) -> Int {
    let flops = 2.0 * Double(m) * Double(n) * Double(k)
    guard threads > 1, flops >= gemmParallelThresholdFLOPs else { return 1 }
    return min(threads, tiles)
}

/// The unpacked GEMM's tiles in units the threads claim: one column panel by a band of row
/// panels each, consecutive units sharing a panel (its B stays in L1 for the next). About eight
/// units per worker: C often has few column panels (7 for the 100-wide layer, one for the
/// 10-wide), which a split by panels shared between two threads 4 : 3 or not at all; bands of
/// rows even them out, and a thread slowed by another process takes fewer units.
/// Measured on Zen 3 (AVX2 build, 2 threads) against the split by panels, both in one process,
/// alternating 11 times, then again with the two sides swapped (a copy of a function can run
/// faster or slower than the original by where it lands; 1-thread rows read 0.95-1.06× here):
/// 256×784·784×100 (the default network's first layer at batch 256) 1.23× / 1.29×, its weight
/// gradient 784×256ᵀ·256×100 1.35× / 1.10×, 2000×784·784×10 (one panel) 1.58× / 1.38×,
/// 32×800·800×800 1.15× / 1.13× (medians).
struct _GEMMTileUnits: Sendable {
    let panels: Int, rowPanels: Int, bands: Int

    init(panels: Int, rowPanels: Int, workers: Int) {
        self.panels = panels
        self.rowPanels = rowPanels
        bands = max(1, min(rowPanels, (8 * workers + panels - 1) / panels))
    }

    var count: Int { panels * bands }

    /// Unit `index`'s column panel and band of row panels.
    func tiles(_ index: Int) -> (panels: Range<Int>, rowPanels: Range<Int>) {
        let panel = index / bands
        return (panel..<(panel + 1), partition(rowPanels, parts: bands, index: index % bands))
    }
}

/// The work size below which one thread beats forking. Measured on the 2-core Zen 3 VMs (AMD EPYC
/// family 25 model 1, native AVX2 build), `nnfast bench` with temporary square sizes, 3 runs, µs
/// on 1 thread vs forked over 2 warm workers: 48³ (0.2 MFLOP) 2.4-3.4 vs 3.0-6.3; 64³ (0.5)
/// 5.7-9.2 vs 5.5-6.9, no clear winner; 80³ (1.0) 11.3-17.7 vs 8.5-14.0; 96³ (1.8) 19.7-28.9
/// vs 14.8-20.9; 128³ (4.2) 45.8-46.4 vs 25.4-28.5 in 5 further runs. So the cut is 1 MFLOP.
/// It was 8 MFLOP while each pooled fork also read the core count (`GEMMWorkers.cores`, 30 µs),
/// and 24 MFLOP while threads were forked over `concurrentPerform`, whose worker started 30-50 µs
/// late on every call. The engine's own GEMMs never fork (the training step, evaluation and
/// prediction split rows over their pool); this serves `Matrix.multiply(threads:)`.
let gemmParallelThresholdFLOPs = 1.0e6

/// C ← f(β·C + bias) over an m×n block: what GEMM reduces to when k = 0 or α = 0.
func applyEpilogueOnly(_ c: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ldc: Int, epilogue: GEMMEpilogue) {
    for i in 0..<rows {
        let row = c + i * ldc
        var column = 0
        while column < cols {
            let width = min(16, cols - column)
            var existing = SIMD16<Float>(), bias = SIMD16<Float>()
            for j in 0..<width {
                existing[j] = epilogue.beta == 0 ? 0 : row[column + j]
                if let b = epilogue.bias { bias[j] = b[column + j] }
            }
            var only = epilogue
            only.alpha = 1
            let value = only.apply(.zero, column: column, existing: { existing }, biasVector: { bias })
            for j in 0..<width { row[column + j] = value[j] }
            column += width
        }
    }
}

/// One GEMM call's operands as the entry point received them: op(A) is m×k, op(B) k×n, C m×n,
/// each with its row stride (A stored k×m when `transA`, B stored n×k when `transB`). Both
/// plans (panel and packed) work from it. `@unchecked Sendable` because of the pointers:
/// threads only read A and B, and each writes only its own part of C.
struct _GEMMOperands: @unchecked Sendable {
    let transA: Bool, transB: Bool, m: Int, n: Int, k: Int
    let a: UnsafePointer<Float>, lda: Int
    let b: UnsafePointer<Float>, ldb: Int
    let c: UnsafeMutablePointer<Float>, ldc: Int

    /// Column panels of C `width` wide (the last may be ragged).
    func panelCount(width: Int) -> Int { (n + width - 1) / width }

    /// The call's floating-point operations: 2·m·n·k.
    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}

/// A GEMM split into NR-wide column panels (NR = `Tile.nr`) of C. B panels are read in place when B is not
/// transposed (its rows are already contiguous along N) — including the ragged last panel when
/// B's row stride has room for a whole NR-float read; a transposed B, and a ragged last panel
/// without that room, are packed into scratch once, before any thread starts.
///
/// The raw pointers make this `@unchecked Sendable`: threads only read A, B and the packed
/// panels, and each writes only its own column panels of C and its own A panel.
struct _GEMMPanelPlan<Tile: GEMMTile>: @unchecked Sendable {
    let x: _GEMMOperands
    let epilogue: GEMMEpilogue
    let packed: UnsafePointer<Float>
    /// Each worker's K×MR A panel, when the row walk packs A (`packsARowPanels`).
    let aPanels: UnsafeMutablePointer<Float>
    /// How many workers `aPanels` has room for.
    let workers: Int
    /// Panels below this index read B in place; the rest read the packed copy.
    let firstPackedPanel: Int
    let panelCount: Int
    /// The last column panel, when it runs along C's rows rather than through the tile
    /// (`_GEMMColumnEdge`: a narrow edge of a transposed-A GEMM with a linear epilogue).
    let columnEdgePanel: Int?
    /// MR-tall row panels of C (the last may be ragged).
    var rowPanelCount: Int { (x.m + Tile.mr - 1) / Tile.mr }
    var tileCount: Int { panelCount * rowPanelCount }

    /// `workers`: the most threads that will call `compute` at once (each passes its index).
    init(_ x: _GEMMOperands, epilogue: GEMMEpilogue, scratch: GEMMScratch, workers: Int = 1) {
        self.x = x
        self.epilogue = epilogue
        self.workers = max(workers, 1)
        panelCount = x.panelCount(width: Tile.nr)
        let edgeCols = x.n - (panelCount - 1) * Tile.nr
        columnEdgePanel = x.transA && epilogue.isLinear && edgeCols < Tile.nr
            && _GEMMColumnEdge.runsAlongRows(cols: edgeCols, k: x.k, tileWidth: Tile.nr) ? panelCount - 1 : nil
        if x.transB {
            firstPackedPanel = 0
        } else {
            firstPackedPanel = x.ldb >= panelCount * Tile.nr ? panelCount : x.n / Tile.nr
        }
        let packedPanels = panelCount - firstPackedPanel
        let aPanelsCount = Self.packsARowPanels(x, panelCount: panelCount) ? self.workers * x.k * Tile.mr : 0
        let buffer = scratch.reserve(max(packedPanels * x.k * Tile.nr + aPanelsCount, 1))
        aPanels = buffer + packedPanels * x.k * Tile.nr
        for panel in firstPackedPanel..<panelCount {
            let col0 = panel * Tile.nr
            packPanelB(transB: x.transB, k: x.k, col0: col0, width: min(Tile.nr, x.n - col0), nr: Tile.nr,
                       b: x.b, ldb: x.ldb, into: buffer + (panel - firstPackedPanel) * x.k * Tile.nr)
        }
        packed = UnsafePointer(buffer)
    }

    /// Whether to walk C's tiles along its rows (every column panel of a row panel, then the next
    /// row panel) rather than down its columns. Down a column, each column panel reads all of A
    /// again: cheap while A stays in L2, and the B panel stays in L1 meanwhile. A transposed A
    /// larger than L2 does not stay there: each tile then reads k of its lines, 6 floats
    /// of each, from L3. Along a row, those lines are read once from L3 and stay in L1 for every
    /// column panel, and B (which this plan meets only up to a few hundred KiB) comes from L2.
    /// Either order computes the same tiles from the same operands: the same bits. The batch-256
    /// first-layer update of 784-100-200-10 (784×256ᵀ·256×100: A is 800 KiB) against the
    /// previous release, Zen 3, `tools/compare_builds.py OLD NEW --rounds 5 --filter "L1 update"`:
    /// 1.07× [worst 1.01×] on one thread, 1.04× [0.81×] on two; batch 32 unchanged (0.99-1.01×).
    /// Batch 128 (A 400 KiB) keeps the column walk: the row walk, forced there, read 0.94-1.03×.
    var walksAlongRows: Bool { Self.walksAlongRows(x) }

    static func walksAlongRows(_ x: _GEMMOperands) -> Bool {
        x.transA && x.k * x.lda * MemoryLayout<Float>.stride > gemmUnpackedAInL2Bytes
    }

    /// Whether the row walk first packs each row panel of A (k×MR floats, in the worker's
    /// `aPanels`) for its tiles to read, rather than reading the transposed A in place: 6 floats
    /// of each of k lines, `lda` apart, once per column panel. Each element's FMAs are the same,
    /// in the same order: the same bits. The AVX2 tile gains from it, the AVX-512 one loses
    /// (`GEMMTile.rowWalkPacksAFromPanels`).
    var packsARowPanels: Bool { Self.packsARowPanels(x, panelCount: panelCount) }

    static func packsARowPanels(_ x: _GEMMOperands, panelCount: Int) -> Bool {
        walksAlongRows(x) && panelCount >= Tile.rowWalkPacksAFromPanels
    }

    /// Computes the tiles of C in the given column panels and MR-tall row panels, as worker
    /// `worker` (below the `workers` the plan was made for).
    func compute(panels: Range<Int>, rowPanels: Range<Int>, worker: Int) {
        guard !walksAlongRows else {
            computeAlongRows(panels: panels, rowPanels: rowPanels, worker: worker)
            return
        }
        let aRowStride = x.transA ? 1 : x.lda
        let aKStride = x.transA ? x.lda : 1
        for panel in panels {
            if panel == columnEdgePanel {
                computeColumnEdge(rows: rowPanels.lowerBound * Tile.mr..<min(x.m, rowPanels.upperBound * Tile.mr))
                continue
            }
            let col0 = panel * Tile.nr
            let cols = min(Tile.nr, x.n - col0)
            let (b, bKStride) = bPanel(panel)
            var row0 = rowPanels.lowerBound * Tile.mr
            while row0 < min(x.m, rowPanels.upperBound * Tile.mr) {
                Tile.multiply(
                    k: x.k, a: x.a + row0 * aRowStride, aRowStride: aRowStride, aKStride: aKStride,
                    b: b, bKStride: bKStride,
                    c: x.c + row0 * x.ldc + col0, ldc: x.ldc, rows: min(Tile.mr, x.m - row0), cols: cols,
                    column: col0, epilogue: epilogue)
                row0 += Tile.mr
            }
        }
    }

    /// `compute` walking along C's rows, for a transposed A (`walksAlongRows`): row `row0` of
    /// op(A) starts at column `row0` of the stored A. Out of line: with both walks in one
    /// function, the batch-32 shapes (which all walk down the columns) ran 0.82-0.99× as fast.
    @inline(never)
    func computeAlongRows(panels: Range<Int>, rowPanels: Range<Int>, worker: Int) {
        let packs = packsARowPanels
        precondition(worker < workers, "a plan's A panels are made for \(workers) workers")
        let aPanel = aPanels + worker * x.k * Tile.mr
        let rows = rowPanels.lowerBound * Tile.mr..<min(x.m, rowPanels.upperBound * Tile.mr)
        let edge = columnEdgePanel.map { panels.contains($0) } ?? false
        let tilePanels = edge ? panels.lowerBound..<panels.upperBound - 1 : panels
        var row0 = tilePanels.isEmpty ? rows.upperBound : rows.lowerBound
        while row0 < rows.upperBound {
            if packs {
                packTransposedPanelA(kc: x.k, row0: row0, height: min(Tile.mr, x.m - row0), mr: Tile.mr, p0: 0,
                                     a: x.a, lda: x.lda, into: aPanel)
            }
            let (a, aKStride) = packs ? (UnsafePointer(aPanel), Tile.mr) : (x.a + row0, x.lda)
            for panel in tilePanels {
                let (b, bKStride) = bPanel(panel)
                Tile.multiply(
                    k: x.k, a: a, aRowStride: 1, aKStride: aKStride, b: b, bKStride: bKStride,
                    c: x.c + row0 * x.ldc + panel * Tile.nr, ldc: x.ldc, rows: min(Tile.mr, x.m - row0),
                    cols: min(Tile.nr, x.n - panel * Tile.nr), column: panel * Tile.nr, epilogue: epilogue)
            }
            row0 += Tile.mr
        }
        if edge { computeColumnEdge(rows: rows) }
    }

    /// Where column panel `panel` of op(B) is read, and its K stride: in place, or packed.
    @inline(__always)
    func bPanel(_ panel: Int) -> (UnsafePointer<Float>, Int) {
        panel < firstPackedPanel
            ? (x.b + panel * Tile.nr, x.ldb)
            : (packed + (panel - firstPackedPanel) * x.k * Tile.nr, Tile.nr)
    }
}

/// Zen 3's L2 (see `walksAlongRows`).
let gemmUnpackedAInL2Bytes = 512 * 1024
