import Foundation

/// "[ 3/10] mastering take3.wav" redrawn in place on stderr.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private var done = 0
    private var current = ""

    init(total: Int) { self.total = total }

    func started(_ name: String) {
        lock.lock(); defer { lock.unlock() }
        current = name
        draw()
    }
    func finished() {
        lock.lock(); defer { lock.unlock() }
        done += 1
        draw()
    }
    func clear() {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
    private func draw() {
        let width = String(total).count
        let count = String(repeating: " ", count: width - String(done).count) + String(done)
        let bar = total > 0 ? String(repeating: "#", count: done * 20 / total) + String(repeating: ".", count: 20 - done * 20 / total) : ""
        let name = current.count > 50 ? "…" + current.suffix(49) : current
        FileHandle.standardError.write(Data("\r\u{1B}[K[\(bar)] \(count)/\(total) \(Terminal.sanitize(name))".utf8))
    }
}
