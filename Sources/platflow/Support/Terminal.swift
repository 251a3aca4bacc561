import Foundation

/// Where the CLI writes: stdout for results and the program's own output, stderr for banners and errors.
/// Colour only on a terminal and never with NO_COLOR or --no-color.
final class Terminal: @unchecked Sendable {
    static let shared = Terminal()
    var colorEnabled: Bool
    var quiet = false
    private let lock = NSLock()

    init() {
        colorEnabled = isatty(STDERR_FILENO) == 1 && getenv("NO_COLOR") == nil
    }

    /// stdout is buffered (a program printing 100,000 lines should not make 100,000 system calls) and flushed
    /// before anything goes to stderr, so the two streams interleave in order on a terminal.
    private var buffer: [UInt8] = []
    private let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1

    func out(_ s: String) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(contentsOf: s.utf8)
        if stdoutIsTerminal || buffer.count >= 1 << 16 { flushLocked() }
    }

    func err(_ s: String) {
        lock.lock()
        defer { lock.unlock() }
        flushLocked()
        clearProgressLocked()
        writeAll(STDERR_FILENO, Array(s.utf8))
    }

    /// A live status line on stderr, redrawn in place; only on a terminal (elsewhere the callers print one
    /// plain line per event instead). nil clears it.
    let stderrIsTerminal = isatty(STDERR_FILENO) == 1
    private var progressShown = false

    func progress(_ line: String?) {
        guard stderrIsTerminal && !quiet else { return }
        lock.lock()
        defer { lock.unlock() }
        flushLocked()
        guard let line else {
            clearProgressLocked()
            return
        }
        var cols = winsize()
        let width = ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &cols) == 0 && cols.ws_col > 10 ? Int(cols.ws_col) - 1 : 100
        let shown = line.count > width ? String(line.prefix(width)) : line
        writeAll(STDERR_FILENO, Array("\r\u{1B}[K\(shown)".utf8))
        progressShown = true
    }

    private func clearProgressLocked() {
        if progressShown {
            writeAll(STDERR_FILENO, Array("\r\u{1B}[K".utf8))
            progressShown = false
        }
    }

    func flush() {
        lock.lock()
        defer { lock.unlock() }
        flushLocked()
    }

    private func flushLocked() {
        guard !buffer.isEmpty else { return }
        writeAll(STDOUT_FILENO, buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    return
                }
                off += n
            }
        }
    }

    enum Color: String {
        case red = "31", green = "32", yellow = "33", dim = "2", bold = "1"
    }

    func paint(_ s: String, _ c: Color) -> String {
        colorEnabled ? "\u{1B}[\(c.rawValue)m\(s)\u{1B}[0m" : s
    }

    /// Prints an error with an optional hint, in the house format.
    func error(_ message: String, hint: String? = nil) {
        var s = "\(paint("error:", .red)) \(message)\n"
        if let hint { s += "hint: \(hint)\n" }
        err(s)
    }
}

/// A short human form of a duration in seconds: 12ms, 1.5s, 2m03s.
func humanDuration(_ seconds: Double) -> String {
    if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
    if seconds < 60 { return String(format: "%.2fs", seconds) }
    let s = Int(seconds.rounded())
    return s < 3600 ? String(format: "%dm%02ds", s / 60, s % 60) : String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
}
