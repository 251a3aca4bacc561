import Foundation

/// The strings a program built by interpolating a secret (`"echo \(token)"`) or with `str(token)`. Such a string holds `***`, never
/// the secret: handed to a command it is wrong at best, and in a shell `***` is a glob (`rm -f \(token)`
/// would delete every file in the folder). An effect given one of these strings, or a string built from one,
/// is refused with the way to do it: pass the secret through `env:`.
final class SecretTexts {
    /// Interpolated texts and the secret each holds. Bounded: a program that builds more such strings than
    /// this makes every later effect argument that shows `***` suspect (refused the same way).
    private var texts: [String: String] = [:]
    private var overflowSecret: String?
    static let limit = 10_000

    func note(_ text: String, secret: String) {
        if texts.count >= SecretTexts.limit {
            if texts[text] == nil { overflowSecret = secret }
            return
        }
        texts[text] = secret
    }

    /// The name of a secret some noted text holds, if any: a template rendered in a VM of its own hands the
    /// mark on to the program that asked for it.
    var anySecret: String? { texts.values.first ?? overflowSecret }

    /// Throws when an argument of effect `effect` (a string, or a string in a list or map) contains an
    /// interpolated secret.
    func check(effect: String, _ args: [(name: String, value: Value)]) throws {
        if texts.isEmpty && overflowSecret == nil { return }
        for (_, value) in args {
            if let secret = secretIn(value, depth: 0) {
                let variable = secret.uppercased().filter { $0.isLetter || $0.isNumber || $0 == "_" }
                throw RuntimeError(
                    "a text given to \(effect)() was built from the secret '\(secret)' (interpolated, or converted with str()): it holds '***', not the secret (and a shell would expand '***' as a glob)",
                    hint: "pass the secret through env: and use the variable in the command: \(effect)(\"... $\(variable.isEmpty ? "SECRET" : variable) ...\", env: {\(variable.isEmpty ? "SECRET" : variable): \(secret)})")
            }
        }
    }

    private func secretIn(_ value: Value, depth: Int) -> String? {
        switch value {
        case .string(let s):
            guard s.contains("***") else { return nil }
            if let name = texts[s] { return name }
            for (t, name) in texts where s.contains(t) { return name }
            return overflowSecret
        case .list(let xs) where depth < 2:
            for x in xs { if let n = secretIn(x, depth: depth + 1) { return n } }
            return nil
        case .map(let m) where depth < 2:
            for (_, v) in m.pairs { if let n = secretIn(v, depth: depth + 1) { return n } }
            return nil
        default:
            return nil
        }
    }
}
