import Foundation
import PlatLang

/// The variables every script gets, whatever its transport, and the checks on what a job passes in.
///
/// Precedence, lowest first: the base environment (this process's for local hosts, the remote login's for ssh),
/// then the host's variables as `PLATFLOW_VAR_*`, then the job's `env`, then `PLATFLOW_HOST` and
/// `PLATFLOW_HOST_ROOT`, which a job cannot override (scripts rely on them to know where they are).
public enum ScriptEnvironment {
    /// `PLATFLOW_VAR_` + the host variable's name upper-cased, every character that is not an ASCII letter or
    /// digit turned into `_` (`rack-id` → `PLATFLOW_VAR_RACK_ID`).
    public static func variableName(forHostVar name: String) -> String {
        var out = "PLATFLOW_VAR_"
        for scalar in name.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x30...0x39, 0x41...0x5A: out.unicodeScalars.append(scalar)
            case 0x61...0x7A: out.unicodeScalars.append(Unicode.Scalar(v - 32) ?? "_")
            default: out.append("_")
            }
        }
        return out
    }

    /// The host's variables as `PLATFLOW_VAR_*`. Two names that map to the same variable (`a-b`, `a_b`): the
    /// one that sorts last wins, so the outcome does not depend on dictionary order.
    static func hostVariables(_ host: Host) -> [String: String] {
        var out: [String: String] = [:]
        for key in host.vars.keys.sorted() {
            if let value = host.vars[key] { out[variableName(forHostVar: key)] = value }
        }
        return out
    }

    /// The variables a script on `host` gets on top of its base environment (see the type's summary for the
    /// order). `root` is what `PLATFLOW_HOST_ROOT` says: `/` for real machines.
    static func scriptVariables(_ job: ScriptJob, host: Host, root: String) -> [String: String] {
        var env = hostVariables(host)
        for (k, v) in job.env { env[k] = v }
        env["PLATFLOW_HOST"] = host.name
        env["PLATFLOW_HOST_ROOT"] = root
        return env
    }

    /// Is `name` usable as an environment variable everywhere (local spawn, `env NAME=value` over ssh)?
    /// Letters, digits and `_`, not starting with a digit.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !(0x30...0x39).contains(first.value) else { return false }
        return name.unicodeScalars.allSatisfy { s in
            let v = s.value
            return (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) || v == 0x5F
        }
    }

    /// Rejects what no transport can pass faithfully: odd variable names, NUL bytes in values or arguments.
    static func validate(_ job: ScriptJob) throws {
        for key in job.env.keys.sorted() {
            guard isValidName(key) else {
                throw RuntimeError("environment variable name '\(printable(key))' is not valid",
                                   hint: "names are letters, digits and _, not starting with a digit (e.g. APP_ENV)")
            }
            if let value = job.env[key], value.utf8.contains(0) {
                throw RuntimeError("environment variable \(key) contains a NUL byte, which no process can receive")
            }
        }
        for (i, arg) in job.args.enumerated() where arg.utf8.contains(0) {
            throw RuntimeError("script argument \(i + 1) contains a NUL byte, which no process can receive")
        }
    }

    /// `s` with control characters shown as escapes, for error messages.
    static func printable(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// POSIX shell quoting, for command lines that a remote login shell parses.
public enum ShellQuote {
    /// `s` in single quotes, each `'` inside written `'\''`: the shell takes every byte literally.
    public static func quote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Every word quoted, joined with spaces.
    public static func join(_ words: [String]) -> String {
        words.map(quote).joined(separator: " ")
    }
}
