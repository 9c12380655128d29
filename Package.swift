// swift-tools-version:6.0
import Foundation
import PackageDescription

// The kernels need at least FMA + AVX2 code generation: Swift's default x86-64 target is SSE2
// only, and without a named CPU `SIMD.addProduct` lowers to calls to the C library's `fmaf`.
// nnfast is built from source where it runs, so by default it targets the build machine's CPU
// (`native`). For a binary to copy to other x86-64 machines, build with
// NNFAST_TARGET_CPU=haswell (AVX2 + FMA). Vector width never changes the arithmetic of an
// element, so every build gives the same results bit for bit.
//
// The register file decides two things, both keyed on the NNFAST_AVX512 condition (set when the
// target CPU has AVX-512F): the GEMM micro-kernel's tile (6×32 on 32 zmm registers, otherwise
// 6×16 on 16 ymm; Kernels/GEMMTile.swift) and the FMA peak probe's vector width.
// The flags stay behind `#if arch(x86_64)` so arm64 (NEON) builds unchanged.
#if arch(x86_64)
let targetCPU = ProcessInfo.processInfo.environment["NNFAST_TARGET_CPU"] ?? "native"
let avx512CPUs: Set<String> = ["skylake-avx512", "cascadelake", "cooperlake", "icelake-client", "icelake-server",
                               "tigerlake", "sapphirerapids", "graniterapids", "znver4", "znver5"]
let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
let avx2CPUs: Set<String> = ["haswell", "broadwell", "skylake", "alderlake", "znver1", "znver2", "znver3"]
let avx512 = targetCPU == "native" ? cpuInfo.contains(" avx512f") : avx512CPUs.contains(targetCPU)
let avx2 = avx512 || (targetCPU == "native" ? cpuInfo.contains(" avx2") && cpuInfo.contains(" fma")
                                             : avx2CPUs.contains(targetCPU))
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", targetCPU])]
    + (avx512 ? [.define("NNFAST_AVX512")] : []) + (avx2 ? [.define("NNFAST_AVX2")] : [])
#else
let cpuFlags: [SwiftSetting] = []
#endif

// The library compiles optimized in debug builds too (`swift build`, `swift test`): the tests run
// the kernels and whole training runs on many shapes, and unoptimized they took 1,023 s serially
// on a 2-core Zen 4 (35 s optimized; a debug 128³ GEMM 128 ms against 38.5 µs), and CI with its
// two sanitizer passes ran past 90 minutes. `-assert-config
// Debug` keeps every `assert` live; overflow checks and preconditions stay as in any build.
// Whole-module, because the GEMM tile's generic code and its callers live in different files:
// per-file -O left them unspecialized (the serial suite 766 s instead of 35 s). `-num-threads`
// keeps one object file per source file, which the debug build's index store expects. To step
// through the library in a debugger, build with NNFAST_DEBUG_ONONE=1.
let optimizedDebug: [SwiftSetting] = ProcessInfo.processInfo.environment["NNFAST_DEBUG_ONONE"] == "1" ? []
    : [.unsafeFlags(["-O", "-whole-module-optimization", "-num-threads", "2", "-assert-config", "Debug"], .when(configuration: .debug))]

let package = Package(
    name: "nnfast",
    products: [
        .library(name: "NNFast", targets: ["NNFast"]),
        .executable(name: "nnfast", targets: ["nnfast"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CNNFastZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Header-only C helpers for vector math (see its shim.h); no library to link.
        .systemLibrary(name: "CNNFastMath"),
        .target(
            name: "NNFast",
            dependencies: ["CNNFastZlib", "CNNFastMath"],
            swiftSettings: cpuFlags + optimizedDebug
        ),
        .executableTarget(
            name: "nnfast",
            dependencies: [
                "NNFast",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: cpuFlags
        ),
        .testTarget(
            name: "NNFastTests",
            dependencies: ["NNFast"],
            swiftSettings: cpuFlags
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["nnfast"]
        ),
    ]
)
