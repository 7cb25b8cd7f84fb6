/// A command-line usage problem found after parsing (printed, exit status 64).
package struct UsageError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
