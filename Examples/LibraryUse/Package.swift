// swift-tools-version: 6.1
//
// A Swift package that uses ltx-audio as a library, the way an app would: it depends on the
// `LTXAudio` product by path and contains exactly the README's "Use as a Swift library"
// snippets. The test suite builds and runs it (Tests/CLITests/LibraryExampleTests.swift).
import PackageDescription

// A path dependency's identity is its folder's name, lower-cased ("ltx-audio", or whatever a
// clone is called), so derive it from this file's path.
let ltxAudio = String(#filePath.split(separator: "/").dropLast(3).last ?? "ltx-audio").lowercased()

let package = Package(
    name: "LibraryUse",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(name: "LibraryUse", dependencies: [.product(name: "LTXAudio", package: ltxAudio)]),
    ]
)
