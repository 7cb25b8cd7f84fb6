import FalClient

/// One clip of a prompt file: its model input (the command's options with the line's fields
/// on top) and the stem of its output files.
package struct PromptLine: Sendable, Equatable {
    /// 1-based line number in the file.
    package var lineNumber: Int
    /// The complete, validated model input.
    package var input: LTXTextToAudioInput
    /// The `name` the line gave, if any.
    package var name: String?
    /// The output stem: `name`, else a slug of the prompt (with `-seedN` when a seed is
    /// known), made unique in the file with `-2`, `-3`, ... in line order.
    package var stem: String
}
