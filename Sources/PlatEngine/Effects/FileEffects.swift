import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PlatLang
import PlatStore

/// `read_file(path)`: the text of a file on this machine (the controller). A read effect: the text is journaled,
/// so a resumed run sees what the first attempt read even if the file changed since. Relative paths are
/// relative to the directory platflow runs in, as for `sh` and `copy`. Refuses folders, files over
/// `sizeLimit` and text that is not UTF-8, with the reason; a missing or unreadable file is an error the plan
/// can catch.
public final class ReadFileEffect: DurableEffect {
    public init() {}
    public let kind = EffectKind.read
    public let spec = EffectSpec(name: "read_file", params: ["path"], required: 1,
                                 summary: "the text of a file on this machine (journaled: a resumed run reads it once)")

    /// The text is journaled; a file larger than this is work for `copy`, not a value in a plan.
    public static let sizeLimit = 16 << 20

    public func perform(_ ctx: EffectContext) throws -> Value {
        .string(try ReadFileEffect.read(try ctx.args.require("path", .string)))
    }

    /// Reading changes nothing, so `--explain` really reads: a template rendered from the file explains with it.
    public func explain(_ call: EffectCall, reading db: Database?) throws -> (lines: [String], result: Value) {
        let path = call.args.named.first { $0.name == "path" }?.value.printed ?? "?"
        do {
            let text = try ReadFileEffect.read(path)
            return (["read \(path) (\(Value.size(Int64(text.utf8.count)).printed))"], .string(text))
        } catch let e as RuntimeError {
            return (["would fail: \(e.message)"], .string(""))
        }
    }

    static func read(_ path: String) throws -> String {
        guard !path.isEmpty else { throw RuntimeError("read_file() needs a path, got an empty string") }
        var st = stat()
        guard stat(path, &st) == 0 else { throw FileEffectErrors.describe(errno, path, verb: "read") }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw RuntimeError("read_file(): \(path) is a directory, not a file",
                               hint: "read a file in it, or list it with sh(\"ls \(path)\")")
        }
        if (st.st_mode & S_IFMT) == S_IFREG && Int(st.st_size) > sizeLimit {
            throw RuntimeError("read_file(): \(path) is \(Value.size(Int64(st.st_size)).printed), more than the \(Value.size(Int64(sizeLimit)).printed) a plan may hold as text",
                               hint: "move large files with copy(), which streams them")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FileEffectErrors.describe(errno, path, verb: "read") }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: sizeLimit + 1) ?? Data()
        } catch {
            throw RuntimeError("read_file(): cannot read \(path): \(error.localizedDescription)")
        }
        if data.count > sizeLimit {
            throw RuntimeError("read_file(): \(path) holds more than \(Value.size(Int64(sizeLimit)).printed)",
                               hint: "move large files with copy(), which streams them")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RuntimeError("read_file(): \(path) is not UTF-8 text", hint: "read_file() reads text; move binary files with copy()")
        }
        return text
    }
}

/// `write_file(path, content, mode: "0644")`: writes text (or a secret parameter's text) to a file on this
/// machine, atomically: into a
/// temporary file beside it (`.NAME.platflow-XXXXXXXX.tmp`), flushed to disk, then renamed over the file, so a
/// reader sees the old content or the new, never a half; on any failure the temporary file is removed. An
/// external effect: journaled started before and finished after, so a resumed run does not write again, and a
/// write in flight when the process died is simply done again (it is idempotent). The journal holds the path,
/// mode and size, not the content (which may be large or be a secret).
///
/// `mode` sets the permissions (`"0600"`, `"644"` or an int such as `0o640`); without it a replaced file keeps
/// its permissions (and, when platflow may, its owner) and a new one gets 0644. The folder must exist. A symlink
/// is followed: its target is replaced. Returns `{path, bytes, changed}`; `changed` is false when the file
/// already held this content and mode, and then it is left untouched (a handler can skip a reload).
public final class WriteFileEffect: DurableEffect {
    public init() {}
    public let kind = EffectKind.external
    public let spec = EffectSpec(name: "write_file", params: ["path", "content", "mode"], required: 2,
                                 summary: "writes text to a file on this machine atomically (temporary file, then rename)")

    public func startedArguments(_ ctx: EffectContext) throws -> String {
        let args = ctx.args
        let path = try args.require("path", .string)
        let content = try WriteFileEffect.content(args)
        var stored: [(String, Value)] = [("path", .string(path)), ("bytes", .int(content.utf8.count))]
        if let m = args.value("mode") { stored.append(("mode", m)) }
        return try ValueCodec.encode(Value.makeMap(stored))
    }

    public func perform(_ ctx: EffectContext) throws -> Value {
        let args = ctx.args
        let path = try args.require("path", .string)
        let content = try WriteFileEffect.content(args)
        let mode = try WriteFileEffect.mode(args.value("mode"))
        let changed = try AtomicFileWriter.write(Array(content.utf8), to: path, mode: mode)
        return WriteFileEffect.result(path: path, bytes: content.utf8.count, changed: changed)
    }

    /// The text to write: a string, or a secret parameter's text (a token file), which is written and never
    /// journaled (only the size is).
    static func content(_ args: EffectArguments) throws -> String {
        if case .secret(let s)? = args.value("content") { return s.text }
        return try args.require("content", .string)
    }

    static func result(path: String, bytes: Int, changed: Bool) -> Value {
        Value.makeMap([("path", .string(path)), ("bytes", .int(bytes)), ("changed", .bool(changed))])
    }

    public func explain(_ call: EffectCall) throws -> (lines: [String], result: Value) {
        let get = { (n: String) in call.args.named.first { $0.name == n }?.value }
        let path = get("path")?.printed ?? "?"
        var bytes = 0
        if case .string(let s)? = get("content") { bytes = s.utf8.count }
        let mode = get("mode").map { " with mode \($0.printed)" } ?? ""
        return (["would write \(Value.size(Int64(bytes)).printed) to \(path)\(mode)"],
                WriteFileEffect.result(path: path, bytes: bytes, changed: true))
    }

    /// Permissions from `"0644"`, `"644"`, `"0o644"` or an int (`0o644`); nil when not given.
    static func mode(_ v: Value?) throws -> mode_t? {
        let hint = "give permissions in octal: mode: \"0644\" (or the int 0o644)"
        switch v {
        case nil, .null?: return nil
        case .int(let i)?:
            guard (0...0o7777).contains(i) else { throw RuntimeError("write_file() mode \(i) is out of range", hint: hint) }
            return mode_t(i)
        case .string(let s)?:
            var digits = Substring(s)
            if digits.hasPrefix("0o") { digits = digits.dropFirst(2) }
            guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ ("0"..."7").contains($0) }),
                  let m = Int(digits, radix: 8) else {
                throw RuntimeError("write_file() mode \"\(s)\" is not an octal permission", hint: hint)
            }
            return mode_t(m)
        case let other?:
            throw RuntimeError("write_file() expects a string or int for 'mode', got \(other.typeName)", hint: hint)
        }
    }
}

/// errno in the words of the file effects.
enum FileEffectErrors {
    static func describe(_ code: Int32, _ path: String, verb: String) -> RuntimeError {
        let function = verb == "read" ? "read_file" : "write_file"
        switch code {
        case ENOENT:
            return RuntimeError("\(function)(): no such file: \(path)",
                                hint: verb == "read" ? "relative paths start at \(FileManager.default.currentDirectoryPath)"
                                    : "the folder must exist: create it first, e.g. sh(\"mkdir -p DIR\")")
        case EACCES, EPERM:
            return RuntimeError("\(function)(): permission denied: cannot \(verb) \(path)",
                                hint: "check the permissions of the file and its folders for the user running platflow")
        case EISDIR:
            return RuntimeError("\(function)(): \(path) is a directory, not a file")
        case ENOTDIR:
            return RuntimeError("\(function)(): a part of \(path) is not a directory")
        case EROFS:
            return RuntimeError("\(function)(): \(path) is on a read-only file system")
        case ENOSPC:
            return RuntimeError("\(function)(): no space left on the device to \(verb) \(path)")
        default:
            return RuntimeError("\(function)(): cannot \(verb) \(path): \(String(cString: strerror(code)))")
        }
    }
}
