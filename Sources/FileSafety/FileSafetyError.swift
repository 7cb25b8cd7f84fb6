/// An error creating, writing, reading back or placing a file through this module.
///
/// It carries facts only — what failed, on which path, and the system's reason — never advice
/// naming a command-line flag: the layers above add that. `description` is one line, ready
/// for stderr: `/out/take.flac: cannot create the output in /out: Read-only file system`.
public struct FileSafetyError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is; compare with the static members (`.exists`, ...).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: String, Sendable {
            case exists, createFailed, writeFailed, readFailed, syncFailed, placeFailed
        }
        fileprivate let kind: Kind
        /// The code's name (`exists`, `createFailed`, ...), for logs.
        public var description: String { kind.rawValue }

        /// The final path exists and replacing it was not asked for (found before writing, or
        /// created by someone else while the file was written).
        public static let exists = Code(kind: .exists)
        /// The temporary file could not be created (folder missing or read-only, no space,
        /// the process is exiting on a signal, ...).
        public static let createFailed = Code(kind: .createFailed)
        /// Writing or resetting the temporary file failed (disk full, file size limit, ...).
        public static let writeFailed = Code(kind: .writeFailed)
        /// Reading the temporary file back failed.
        public static let readFailed = Code(kind: .readFailed)
        /// Flushing the file to disk (`fsync`) failed.
        public static let syncFailed = Code(kind: .syncFailed)
        /// Moving the finished file to its final name failed.
        public static let placeFailed = Code(kind: .placeFailed)
    }

    /// What failed.
    public let code: Code
    /// The final path the file was meant for (not the temporary name).
    public let path: String
    /// What went wrong, as facts (`cannot create the output in /out`).
    public let message: String
    /// The system's reason (`strerror` text), when there is one.
    public let cause: String?

    package init(_ code: Code, path: String, _ message: String, cause: String? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.cause = cause
    }

    package init(_ code: Code, path: String, _ message: String, errno number: Int32) {
        self.init(code, path: path, message, cause: FileDescriptorIO.text(ofErrno: number))
    }

    /// `message: cause` (or `message` alone): the description without the path.
    public var detail: String {
        guard let cause, !cause.isEmpty else { return message }
        return message + ": " + cause
    }

    /// `path: message: cause` on one line (newlines and tabs in any part become spaces).
    public var description: String {
        String((path + ": " + detail).map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
    }
}
