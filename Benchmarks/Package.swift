// swift-tools-version: 6.1
//
// Benchmarks for ltx-audio, kept in a nested package so the main build stays lean.
// Run: cd Benchmarks && swift package benchmark --target DSPKernels (or --target MasteringKernels)
import PackageDescription

// A path dependency's identity is its directory name (lower-cased), which differs between
// checkouts and worktrees ("ltx-audio", "main", "wt-dsp"), so derive it from this file's path.
let rootIdentity = String(#filePath.split(separator: "/").dropLast(2).last ?? "ltx-audio").lowercased()

let package = Package(
    name: "ltx-audio-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        // libebur128, the baseline DSPKernels measures against (Debian: libebur128-dev). The root
        // package keeps its own CEBUR128 for its tests and exports no product for it.
        .systemLibrary(
            name: "CEBUR128", path: "CEBUR128", pkgConfig: "libebur128",
            providers: [.apt(["libebur128-dev"]), .brew(["libebur128"])]),
        // Test material shared by the two benchmark targets.
        .target(name: "BenchmarkSignals", path: "BenchmarkSignals"),
        .executableTarget(
            name: "DSPKernels",
            dependencies: [
                "BenchmarkSignals",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DSP", package: rootIdentity),
                .product(name: "AudioCore", package: rootIdentity),
                "CEBUR128",
            ],
            path: "DSPKernels",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "MasteringKernels",
            dependencies: [
                "BenchmarkSignals",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DSP", package: rootIdentity),
                .product(name: "AudioCore", package: rootIdentity),
                .product(name: "AudioIO", package: rootIdentity),
                .product(name: "Mastering", package: rootIdentity),
            ],
            path: "MasteringKernels",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
