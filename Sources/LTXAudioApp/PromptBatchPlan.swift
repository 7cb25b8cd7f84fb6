import FalClient

/// What `ltx-audio generate --prompts FILE -o FOLDER` was asked to do.
package struct PromptBatchPlan: Sendable {
    /// The parsed, validated lines.
    package var lines: [PromptLine]
    /// The output folder (created if missing); the manifest goes there too.
    package var folder: String
    /// At most this many requests in flight.
    package var concurrency = 1
    /// How long to wait for each clip before cancelling it.
    package var timeout: Duration?
    /// The extension of mastered files.
    package var masterExtension = "wav"
    /// Replace outputs that exist without a record of this batch (`--overwrite`).
    package var overwriteOutput = false
    /// Start timeout, priority and webhook of every submit.
    package var submitOptions = FalSubmitOptions()
    /// Submit and record only (`--no-wait`).
    package var noWait = false

    /// A plan with the defaults: one request at a time, mastered into WAV.
    package init(lines: [PromptLine], folder: String) {
        self.lines = lines
        self.folder = folder
    }
}
