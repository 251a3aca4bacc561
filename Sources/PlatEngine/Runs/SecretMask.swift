import Foundation
import PlatLang

/// Replaces the clear text of a run's secret parameters with `***` in everything the engine records or prints
/// for it (log records, journal results and errors, failure messages, the terminal). A command that echoes a
/// token it was given through `env:` must not leave the token in the database or on the screen.
public struct SecretMask: Sendable {
    /// The texts to hide, longest first, so a secret that contains another is hidden whole.
    public let values: [String]

    public init(_ secrets: [String] = []) {
        var texts = Set<String>()
        for s in secrets where !s.isEmpty {
            texts.insert(s)
            // The journal stores values as JSON: a secret with a quote or a backslash appears escaped there.
            let escaped = String(Value.string(s).repr.dropFirst().dropLast())
            if escaped != s { texts.insert(escaped) }
            // A multi-line secret (a key file) is often printed a line at a time; hide its lines too, except
            // short ones ("-----", "}") that would hide ordinary output and reveal nothing.
            if s.contains("\n") {
                for line in s.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).count >= 8 {
                    texts.insert(String(line))
                }
            }
        }
        values = texts.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    public var isEmpty: Bool { values.isEmpty }

    public func apply(_ text: String) -> String {
        if values.isEmpty { return text }
        var out = text
        for v in values where out.contains(v) { out = out.replacingOccurrences(of: v, with: "***") }
        return out
    }

    public func apply(_ text: String?) -> String? { text.map { apply($0) } }
}

/// A run's output with its secrets hidden: what the program prints, events and the progress line.
final class MaskedRunOutput: RunOutput {
    let inner: RunOutput
    let mask: SecretMask
    init(_ inner: RunOutput, mask: SecretMask) {
        self.inner = inner
        self.mask = mask
    }
    func program(_ text: String) { inner.program(mask.apply(text)) }
    func event(_ event: RunEvent) {
        var e = event
        e.text = mask.apply(e.text)
        inner.event(e)
    }
    func progress(_ line: String?) { inner.progress(mask.apply(line)) }
}
