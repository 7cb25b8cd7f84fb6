// swift-tools-version: 6.1
//
// ltx-audio: text to finished, release-ready audio.
//
// Module direction (A -> B means B imports A):
//   AudioCore -> DSP -> Mastering -> LTXAudioApp -> ltx-audio
//   AudioCore + FileSafety + CSndFile + CSampleRate -> AudioIO -> AudioFileMastering (product LTXAudio) -> LTXAudioApp
//   Mastering -> AudioFileMastering
//   FileSafety -> LTXAudioApp (plots, the journal, the signal thread)
//   FalClient -> LTXAudioApp
// CEBUR128 (libebur128) is a test-only oracle; no product exports or links it (the benchmark
// package declares its own module for it).
import PackageDescription

let package = Package(
    name: "ltx-audio",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ltx-audio", targets: ["ltx-audio"]),
        .library(name: "AudioCore", targets: ["AudioCore"]),
        .library(name: "DSP", targets: ["DSP"]),
        .library(name: "FileSafety", targets: ["FileSafety"]),
        .library(name: "AudioIO", targets: ["AudioIO"]),
        .library(name: "Mastering", targets: ["Mastering"]),
        .library(name: "FalClient", targets: ["FalClient"]),
        // Master a file into a file, or analyze one, in one call; re-exports the engine's modules.
        .library(name: "LTXAudio", targets: ["AudioFileMastering"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.0"),
    ],
    targets: [
        // Thin shims over the C libraries (Debian: libsndfile1-dev, libsamplerate0-dev, libebur128-dev).
        .systemLibrary(
            name: "CSndFile", pkgConfig: "sndfile",
            providers: [.apt(["libsndfile1-dev"]), .brew(["libsndfile"])]),
        .systemLibrary(
            name: "CSampleRate", pkgConfig: "samplerate",
            providers: [.apt(["libsamplerate0-dev"]), .brew(["libsamplerate"])]),
        .systemLibrary(
            name: "CEBUR128", pkgConfig: "libebur128",
            providers: [.apt(["libebur128-dev"]), .brew(["libebur128"])]),

        // Value types and protocols; standard library (and swift-numerics' RealModule) only.
        .target(name: "AudioCore", dependencies: [.product(name: "RealModule", package: "swift-numerics")]),
        // Measurement and processing kernels; no I/O, no Foundation, no C (RealModule for math).
        .target(
            name: "DSP",
            dependencies: ["AudioCore", .product(name: "RealModule", package: "swift-numerics")]),
        // Temporary files, locks, fsync, link/rename, the signal-time registry; no audio, no
        // Foundation (Glibc/Darwin only).
        .target(name: "FileSafety"),
        // libsndfile decoding/encoding and the libsamplerate resampler.
        .target(name: "AudioIO", dependencies: ["AudioCore", "FileSafety", "CSndFile", "CSampleRate"]),
        // Stages, the pipeline, presets and reports; never touches files.
        .target(
            name: "Mastering",
            dependencies: ["AudioCore", "DSP", .product(name: "RealModule", package: "swift-numerics")]),
        // The file-level library (product LTXAudio): master a file into a file, analyze a file.
        .target(name: "AudioFileMastering", dependencies: ["AudioCore", "DSP", "AudioIO", "Mastering"]),
        // The fal.ai queue client: HTTP, JSON, retries, downloads; no audio.
        .target(
            name: "FalClient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        // Command logic shared by the executable and its tests.
        .target(
            name: "LTXAudioApp",
            dependencies: ["AudioCore", "DSP", "FileSafety", "AudioIO", "Mastering", "AudioFileMastering", "FalClient"]),
        .executableTarget(
            name: "ltx-audio",
            dependencies: [
                "LTXAudioApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Signal generators and tolerance helpers for the tests.
        .target(name: "TestSupport", dependencies: ["AudioCore", "CEBUR128"], path: "Tests/TestSupport"),

        // A fake fal.ai queue server on 127.0.0.1 for the client and CLI tests (swift-nio).
        .target(
            name: "FakeFalServer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/FakeFalServer"),

        .testTarget(name: "AudioCoreTests", dependencies: ["AudioCore", "TestSupport"]),
        .testTarget(name: "DSPTests", dependencies: ["DSP", "TestSupport"]),
        .testTarget(name: "FileSafetyTests", dependencies: ["FileSafety", "TestSupport"]),
        // Compares the project's meter with libebur128 (test-only oracle).
        .testTarget(name: "LoudnessOracleTests", dependencies: ["DSP", "AudioIO", "CEBUR128", "TestSupport"]),
        .testTarget(name: "FalClientTests", dependencies: ["FalClient", "FakeFalServer", "LTXAudioApp"]),
        .testTarget(name: "AudioIOTests", dependencies: ["AudioIO", "Mastering", "TestSupport"]),
        .testTarget(name: "MasteringTests", dependencies: ["Mastering", "DSP", "TestSupport"]),
        // The app layer in-process: planning, encoding choice, discovery, the journal, generation.
        .testTarget(name: "LTXAudioAppTests", dependencies: ["LTXAudioApp", "AudioIO", "FalClient", "FileSafety", "Mastering", "FakeFalServer", "TestSupport"]),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "ltx-audio", "AudioIO", "DSP", "Mastering", "FileSafety", "FakeFalServer", "FalClient", "LTXAudioApp", "TestSupport",
            ]),
    ]
)

// libFuzzer targets (LTX_AUDIO_FUZZ=1, see Fuzz/run-fuzz.sh): 1: bytes decoded as audio through
// the meter and the mastering stages; 2: bytes as fal answers and data: URIs through FalClient's
// parsing. The code is compiled with the rest of the build (with coverage counters, when the
// build asks for them); libFuzzer, which supplies `main`, is linked into these two products only,
// so one AddressSanitizer build serves both the test suite and the fuzzers.
if Context.environment["LTX_AUDIO_FUZZ"] == "1" {
    // Each fuzz target's `main` hands control to LLVMFuzzerRunDriver (declared in CLibFuzzer).
    let linkLibFuzzer: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer"])]
    package.targets.append(.systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"))
    package.targets.append(.executableTarget(
        name: "FuzzAudioDecoding", dependencies: ["AudioCore", "AudioIO", "CLibFuzzer", "DSP", "Mastering"],
        path: "Fuzz/AudioDecoding", linkerSettings: linkLibFuzzer))
    package.products.append(.executable(name: "FuzzAudioDecoding", targets: ["FuzzAudioDecoding"]))
    package.targets.append(.executableTarget(
        name: "FuzzFalResponses", dependencies: ["CLibFuzzer", "FalClient"], path: "Fuzz/FalResponses",
        linkerSettings: linkLibFuzzer))
    package.products.append(.executable(name: "FuzzFalResponses", targets: ["FuzzFalResponses"]))
}
