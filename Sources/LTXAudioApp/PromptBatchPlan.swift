import FalClient

/// What `ltx-audio generate --prompts FILE -o FOLDER` was asked to do.
package struct PromptBatchPlan: Sendable {
    /// The parsed, validated lines.
    package var lines: [PromptLine]
    /// The output folder (created if missing); the manifest goes there too.
    package var folder: String
    /// Concurrency, time limit, output extension, overwrite, submit options, `--no-wait`.
    package var requests = ClipRequestOptions()

    /// A plan with the defaults: one request at a time, mastered into WAV.
    package init(lines: [PromptLine], folder: String) {
        self.lines = lines
        self.folder = folder
    }
}
