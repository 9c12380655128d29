// swift-tools-version:6.0
import PackageDescription

// The kernels need FMA + AVX2 code generation: Swift's default x86-64 target is SSE2 only, and
// without a named CPU `SIMD.addProduct` lowers to calls to the C library's `fmaf` (see
// BUILD-NOTES). The flag stays behind `#if arch(x86_64)` so arm64 (NEON) builds unchanged.
#if arch(x86_64)
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "native"])]
#else
let cpuFlags: [SwiftSetting] = []
#endif

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
        .target(
            name: "NNFast",
            dependencies: ["CNNFastZlib"],
            swiftSettings: cpuFlags
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
