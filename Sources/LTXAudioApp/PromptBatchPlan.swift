import FalClient

/// What `ltx-audio generate --prompts FILE -o FOLDER` was asked to do.
public struct PromptBatchPlan: Sendable {
    /// The parsed, validated lines.
    public var lines: [PromptLine]
    /// The output folder (created if missing); the manifest goes there too.
    public var folder: String
    /// At most this many requests in flight.
    public var concurrency = 1
    /// How long to wait for each clip before cancelling it.
    public var timeout: Duration?
    /// The extension of mastered files.
    public var masterExtension = "wav"
    /// Replace outputs that exist without a record of this batch (`--overwrite`).
    public var overwriteOutput = false
    /// Start timeout, priority and webhook of every submit.
    public var submitOptions = FalSubmitOptions()
    /// Submit and record only (`--no-wait`).
    public var noWait = false

    /// A plan with the defaults: one request at a time, mastered into WAV.
    public init(lines: [PromptLine], folder: String) {
        self.lines = lines
        self.folder = folder
    }
}
