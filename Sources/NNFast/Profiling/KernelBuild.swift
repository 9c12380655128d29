import Foundation

/// What the kernels were compiled for and what they run on, printed beside every figure
/// (`nnfast bench`, `train --profile`): a number means little without its instruction set and CPU.
public enum KernelBuild {
    /// The vector instruction set this build's kernels were compiled for (Package.swift's
    /// NNFAST_TARGET_CPU, `native` by default).
    public static var instructionSet: String {
#if NNFAST_AVX512
        return "AVX-512"
#elseif NNFAST_AVX2
        return "AVX2+FMA"
#elseif arch(arm64)
        return "NEON"
#else
        return "baseline (no FMA: slow; build with NNFAST_TARGET_CPU=haswell or native)"
#endif
    }

    /// The GEMM micro-kernel tile, e.g. "6×32".
    public static var gemmTile: String { "\(GEMMBuildTile.mr)×\(GEMMBuildTile.nr)" }

    /// Floats per vector in the peak probe's chains.
    public static var probeVectorWidth: Int { fmaProbeVectorWidth }

    /// The CPU the process runs on, from /proc/cpuinfo: model name, family/model, and whether it
    /// has AVX-512F (so an AVX2 build on an AVX-512 machine is visible as such). Read once.
    public static let cpu: String = {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        func field(_ name: String) -> String? {
            for line in info.split(separator: "\n") where line.hasPrefix(name) {
                if let colon = line.firstIndex(of: ":") {
                    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
        var description = field("model name") ?? "unknown CPU"
        if let family = field("cpu family"), let model = field("model\t") {
            description += " (family \(family), model \(model))"
        }
        if let flags = field("flags") {
            let words = Set(flags.split(separator: " "))
            description += words.contains("avx512f") ? ", AVX-512" : words.contains("avx2") ? ", AVX2" : ", no AVX2"
        }
        return description + ", \(ProcessInfo.processInfo.activeProcessorCount) cores"
    }()
}
