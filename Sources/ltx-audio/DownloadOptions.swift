import ArgumentParser

/// The download cap, shared by `generate` and `resume`.
struct DownloadOptions: ParsableArguments {
    @Option(name: .customLong("max-download-mb"),
            help: "Largest result download (or inline data: URI) accepted, in MiB; a larger one is refused.")
    var maxDownloadMB: Double = 1024

    func validate() throws {
        guard maxDownloadMB > 0, maxDownloadMB <= 1_048_576 else {
            throw ValidationError("--max-download-mb must be more than 0 and at most 1048576")
        }
    }

    /// The cap in bytes.
    var maxDownloadBytes: Int { Int(maxDownloadMB * 1_048_576) }
}
