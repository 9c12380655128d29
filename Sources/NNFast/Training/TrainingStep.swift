/// One training step as a reusable parallel job: a trainer keeps one for the whole run, so a
/// step allocates nothing (measured: malloc calls per epoch stay flat across 1,563 steps).
///
/// Two parallel phases, one barrier each: (1) each thread gathers, runs forward and the
/// per-row backward (loss, dZ, dX) on its own rows of the batch — rows never interact there;
/// (2) each thread applies the optimizer's update to its own slice of every W and b
/// (`ParameterUpdate`). Every element is computed by one thread in a fixed order, so any
/// thread count gives the same bits.
///
/// Each step also times itself for its `ParallelSpeedCheck`, which has the pool run the phases
/// on the caller alone while one thread is faster than all of them (the same parts: the same bits).
///
/// Each thread ends phase (2) by prefetching the rows of the next batch it will gather: they
/// come at random from tens of MB of pixels, and the gather that met them miss after miss was
/// the step's largest part outside the GEMMs. At the start of phase (2) the update's weights
/// pushed them out of L2 again before the gather (measured on Zen 3: gather 14.1 vs 10.9 µs
/// per step, 1 thread, batch 32).
final class TrainingStepJob: ParallelJob {
    let network: Network
    let data: Dataset
    let workspace: NetworkWorkspace
    let context: ComputeContext
    let update: ParameterUpdate
    let profile: StepProfile?
    /// Each part's phase timer when profiling (else empty), taken from `profile` once: fetching
    /// them from the shared profile in every part would have both threads update its reference
    /// count, a cross-core store, several times a step.
    private let partTimers: [PhaseTimer?]
    /// ε of label smoothing (softmax cross-entropy), 0 for none.
    var labelSmoothing: Float = 0
    /// Distorts each image as it is gathered, with one scratch per thread (nil: plain gather).
    private let augmenter: Augmenter?
    private let augmentationScratches: [AugmentationScratch]
    /// The epoch being trained: part of each sample's augmentation seed.
    var epoch = 1
    private var batch: ArraySlice<Int> = []
    private var upcoming: ArraySlice<Int> = []
    private var rate: Float = 0
    private var stepNumber = 0
    private var phase = Phase.rows
    /// Whether the step runs on the caller alone, and who decides it from step to step.
    private var stepAlone = false
    private var speedCheck = ParallelSpeedCheck()

    private enum Phase { case rows, gradients, parameters, constrain }

    init(network: Network, data: Dataset, workspace: NetworkWorkspace, context: ComputeContext,
         update: ParameterUpdate, profile: StepProfile?, augmenter: Augmenter? = nil) {
        self.network = network; self.data = data; self.workspace = workspace; self.context = context
        self.update = update; self.profile = profile
        partTimers = profile.map { profile in (0..<context.threads).map { profile.timer(part: $0) } } ?? []
        self.augmenter = augmenter
        augmentationScratches = augmenter.map { a in (0..<context.threads).map { _ in a.makeScratch() } } ?? []
    }

    /// Runs both phases on `batch` as optimizer step `step` (1-based) at learning rate `rate`,
    /// prefetching `next` (the batch the following step will take, if known); returns the
    /// batch's summed loss.
    func step(_ batch: ArraySlice<Int>, rate: Float, step: Int, next: ArraySlice<Int> = []) -> Double {
        let started = Stopwatch.now()
        self.batch = batch
        self.upcoming = next
        self.rate = rate
        self.stepNumber = step
        let parallel = context.threads > 1
        stepAlone = parallel && speedCheck.runsAlone
        let soloRunsBefore = context.pool.soloRuns
        // One barrier per phase; clipping and max-norm each add one (see ParameterUpdate).
        run(.rows)
        if update.clips { run(.gradients) }
        run(.parameters)
        if update.constrains { run(.constrain) }
        let elapsed = Stopwatch.now() - started
        if parallel {
            // A step the pool's back-off ran alone although the check wanted every thread
            // says nothing about how fast every thread is.
            speedCheck.stepEnded(nanoseconds: elapsed, disturbed: !stepAlone && context.pool.soloRuns != soloRunsBefore)
        }
        let rows = batch.count
        profile?.addStep(wallNanoseconds: elapsed, flops: network.stepFLOPs(rows: rows))
        var sum = 0.0
        for row in 0..<rows { sum += workspace.rowLosses[row] }  // in row order, whatever the split
        return sum
    }

    /// Runs one phase on every thread, and when profiling, accounts for its parts' time.
    private func run(_ phase: Phase) {
        self.phase = phase
        guard let profile else { return context.run(self, alone: stepAlone) }
        let soloRunsBefore = context.pool.soloRuns
        profile.beginJob()
        context.run(self, alone: stepAlone)
        profile.endJob(ranAlone: context.pool.soloRuns != soloRunsBefore, byChoice: stepAlone)
    }

    func run(part: Int) {
        if let profile { profile.timePart(part) { runPart(part) } } else { runPart(part) }
    }

    private func runPart(_ part: Int) {
        let parts = context.threads
        let rows = batch.count
        let scratch = context.scratches[part]
        let timer = partTimers.isEmpty ? nil : partTimers[part]
        switch phase {
        case .gradients:
            update.computeGradients(of: network, part: part, of: parts, batchRows: rows, workspace: workspace, scratch: scratch)
        case .parameters:
            update.apply(to: network, part: part, of: parts, batchRows: rows, rate: rate, step: stepNumber,
                         workspace: workspace, scratch: scratch, profile: timer)
            // The rows this part will gather next step (on the same thread, mostly); profiled
            // as part of the gather, whose work it is.
            let nextRows = partition(upcoming.count, parts: parts, index: part, granularity: gemmRowSplitGranularity)
            let next = upcoming[(upcoming.startIndex + nextRows.lowerBound)..<(upcoming.startIndex + nextRows.upperBound)]
            if let timer { timer.time(.gather) { data.prefetch(next) } } else { data.prefetch(next) }
        case .constrain:
            update.constrain(network, part: part, of: parts)
        case .rows:
            let mine = partition(rows, parts: parts, index: part, granularity: gemmRowSplitGranularity)
            guard !mine.isEmpty else { return }
            let first = batch.startIndex
            let images = batch[(first + mine.lowerBound)..<(first + mine.upperBound)]
            let gather = {
                if let augmenter = self.augmenter {
                    self.data.gatherAugmented(images, into: self.workspace, firstRow: mine.lowerBound, augmenter: augmenter,
                                              epoch: self.epoch, scratch: self.augmentationScratches[part])
                } else {
                    self.data.gather(images, into: self.workspace, firstRow: mine.lowerBound)
                }
            }
            if let timer { timer.time(augmenter == nil ? .gather : .augment, gather) } else { gather() }
            let dropoutStep = workspace.dropout == nil ? nil : stepNumber
            network.forward(rows: mine, workspace: workspace, scratch: scratch, profile: timer, dropoutStep: dropoutStep)
            network.backwardData(rows: mine, batchSize: rows, workspace: workspace, scratch: scratch, profile: timer,
                                 labelSmoothing: labelSmoothing, dropout: dropoutStep != nil)
        }
    }
}
