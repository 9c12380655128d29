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
        if profile.soloJobs > 0 {
            lines.append("  \(profile.soloJobs) of \(profile.jobs) parallel phases ran on one thread: the pool judged "
                         + "the machine busy and backed off (see 'ran alone')")
        }
        lines.append("  " + "phase".rightPadded(to: 14)
                     + "µs/step".leftPadded(to: 10) + "share".leftPadded(to: 8))
        for row in profile.rows {
            let perStep = row.seconds / Double(max(profile.steps, 1)) * 1e6
            let share = 100 * row.seconds / max(profile.wallSeconds, 1e-12)
            lines.append("  " + row.name.rightPadded(to: 14)
                         + fixed(perStep, 2).leftPadded(to: 10) + (fixed(share, 1) + "%").leftPadded(to: 8))
        }
        return lines.joined(separator: "\n")
    }

    /// GFLOP/s as a percentage of the peak on as many threads (nil without a peak).
    var percentOfPeak: Double? { peak.map { 100 * gflops / $0.gflops(threads: threads) } }

    var json: [String: Any] {
        var phases: [String: Double] = [:]
        for row in profile.rows { phases[row.name] = row.seconds / Double(max(profile.steps, 1)) }
        var entry: [String: Any] = ["threads": threads, "steps": profile.steps,
                                    "seconds_per_step": profile.wallSeconds / Double(max(profile.steps, 1)),
                                    "gflops": gflops, "phase_seconds_per_step": phases,
                                    "parallel_jobs": profile.jobs, "jobs_run_alone": profile.soloJobs]
        if let percentOfPeak { entry["percent_of_peak"] = percentOfPeak }
        return entry
    }
}
