import AudioIO

/// One planned unit of work: an input, its output path and encoding, or why it cannot run.
package struct MasterJob: Sendable {
    package var input: InputFile
    package var output: String?
    package var encoding: OutputEncoding?
    /// Set when planning already decided the outcome (unreadable input, name clash, exists).
    package var decided: MasterFileReport?
}
