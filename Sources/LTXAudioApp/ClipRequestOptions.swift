import FalClient

/// How the clips of one `generate` are requested and delivered, the same for a prompt given on
/// the command line and for a file of prompts.
package struct ClipRequestOptions: Sendable {
    /// At most this many requests in flight.
    package var concurrency = 1
    /// How long to wait for each clip before cancelling it.
    package var timeout: Duration?
    /// The extension of mastered files (in a folder, or when OUT has none).
    package var masterExtension = "wav"
    /// Replace existing outputs (`--overwrite`). Downloaded originals are never replaced.
    package var overwriteOutput = false
    /// Start timeout, priority and webhook of every submit.
    package var submitOptions = FalSubmitOptions()
    /// Submit and record only (`--no-wait`); `resume` (or a re-run) fetches later.
    package var noWait = false

    package init() {}
}
