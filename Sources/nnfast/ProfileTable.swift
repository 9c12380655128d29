import Foundation
import NNFast

/// Renders a `StepProfile` as the per-phase table `bench` and `train --profile` print, and as
/// a JSON-ready dictionary.
struct ProfileTable {
    let profile: StepProfile
    let peak: MachinePeak?
    let threads: Int

    var microsecondsPerStep: Double { profile.wallSeconds / Double(max(profile.steps, 1)) * 1e6 }
    var gflops: Double { profile.flops / max(profile.wallSeconds, 1e-12) / 1e9 }

    func render(title: String) -> String {
        var lines = [title]
        var summary = "  \(fixed(microsecondsPerStep, 1)) µs/step, \(fixed(gflops, 1)) GFLOP/s in the GEMMs' FLOPs"
        if let percentOfPeak {
            summary += " (\(fixed(percentOfPeak, 1))% of the \(threads)-thread peak)"
        }
        lines.append(summary)
        let backedOff = profile.soloJobs - profile.soloJobsByChoice
        if backedOff > 0 {
            lines.append("  \(backedOff) of \(profile.jobs) parallel phases ran on one thread: the pool judged "
                         + "the machine busy and backed off (see 'ran alone')")
        }
        if profile.soloJobsByChoice > 0 {
            lines.append("  \(profile.soloJobsByChoice) of \(profile.jobs) parallel phases ran on one thread because one "
                         + "thread was faster than \(threads) there and then (see 'ran alone')")
        }
        // Thread 0's phases make the step's time; the other threads' own times in the same
        // phases follow, to show which part of an uneven split is the long one.
        let others = otherThreadsPhases
        lines.append("  " + "phase".rightPadded(to: 14) + "µs/step".leftPadded(to: 10) + "share".leftPadded(to: 8)
                     + others.indices.map { "thread \($0 + 1)".leftPadded(to: 10) }.joined())
        for (index, row) in profile.rows.enumerated() {
            let share = 100 * row.seconds / max(profile.wallSeconds, 1e-12)
            let theirs = others.map { $0.indices.contains(index) ? fixed(perStep(microseconds: $0[index].seconds), 2) : "" }
            lines.append("  " + row.name.rightPadded(to: 14) + fixed(perStep(microseconds: row.seconds), 2).leftPadded(to: 10)
                         + (fixed(share, 1) + "%").leftPadded(to: 8) + theirs.map { $0.leftPadded(to: 10) }.joined())
        }
        return lines.joined(separator: "\n")
    }

    /// Threads 1… : each one's phase rows (the table's first rows, in the same order).
    private var otherThreadsPhases: [[(name: String, seconds: Double)]] {
        (1..<max(profile.timedParts, 1)).map { profile.phaseRows(part: $0) }
    }

    private func perStep(microseconds seconds: Double) -> Double { seconds / Double(max(profile.steps, 1)) * 1e6 }

    /// GFLOP/s as a percentage of the peak on as many threads (nil without a peak).
    var percentOfPeak: Double? { peak.map { 100 * gflops / $0.gflops(threads: threads) } }

    var json: [String: Any] {
        var phases: [String: Double] = [:]
        for row in profile.rows { phases[row.name] = row.seconds / Double(max(profile.steps, 1)) }
        var entry: [String: Any] = ["threads": threads, "steps": profile.steps,
                                    "seconds_per_step": profile.wallSeconds / Double(max(profile.steps, 1)),
                                    "gflops": gflops, "phase_seconds_per_step": phases,
                                    "parallel_jobs": profile.jobs, "jobs_run_alone": profile.soloJobs,
                                    "jobs_run_alone_by_choice": profile.soloJobsByChoice]
        if let percentOfPeak { entry["percent_of_peak"] = percentOfPeak }
        if profile.timedParts > 1 {
            entry["other_threads_phase_seconds_per_step"] = otherThreadsPhases.map { rows in
                Dictionary(uniqueKeysWithValues: rows.map { ($0.name, $0.seconds / Double(max(profile.steps, 1))) })
            }
        }
        return entry
    }
}
