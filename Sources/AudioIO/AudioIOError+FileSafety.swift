import FileSafety

extension AudioIOError {
    /// The AudioIO form of a FileSafety failure while writing an output: `.outputExists` (with
    /// the remedy of allowing an overwrite), else `.writeFailed` with FileSafety's message and
    /// reason on one line (`cannot create the output in /out: Read-only file system`).
    init(_ error: FileSafetyError) {
        if error.code == .exists {
            self.init(.outputExists, path: error.path, "exists already", remedy: .overwrite)
        } else {
            self.init(.writeFailed, path: error.path, error.detail)
        }
    }
}
