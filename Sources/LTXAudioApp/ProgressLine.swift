import Foundation

/// "[####....] 3/10 take3.wav" redrawn in place on the console's standard error (a terminal).
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let console: Console
    private let total: Int
    private var done = 0
    private var current = ""

    init(total: Int, console: Console) {
        self.total = total
        self.console = console
    }

    func started(_ name: String) {
        lock.withLock {
            current = name
            draw()
        }
    }
    func finished() {
        lock.withLock {
            done += 1
            draw()
        }
    }
    func clear() { console.clearStatus() }

    private func draw() {
        let width = String(total).count
        let count = String(repeating: " ", count: width - String(done).count) + String(done)
        let bar = total > 0 ? String(repeating: "#", count: done * 20 / total) + String(repeating: ".", count: 20 - done * 20 / total) : ""
        let name = current.count > 50 ? "…" + current.suffix(49) : current
        console.status("[\(bar)] \(count)/\(total) \(name)")
    }
}
