import Foundation
import PlatEngine
import PlatLang

/// What happened on one host.
/// Unchecked: an outcome is built by one worker thread and handed over whole; nobody shares it after.
public struct HostOutcome: @unchecked Sendable {
    public enum Status: String, Sendable {
        case ok, failed, timeout, skipped, cancelled
        public var isFailure: Bool { self == .failed || self == .timeout }
    }
    public var host: String
    public var status: Status
    public var exitCode: Int?
    public var stdout: String
    public var stderr: String
    public var duration: Double
    /// Effect-specific details (the files of a copy), as a .plat value.
    public var detail: Value
    /// How many entries `detail` leaves out (files of a large copy; 0 when it lists them all).
    public var detailOmitted: Int = 0
    /// Bytes written to the host (a copy's, all its files counted); nil for effects that write none.
    public var bytes: Int64? = nil

    public init(host: String, status: Status, exitCode: Int? = nil, stdout: String = "", stderr: String = "",
                duration: Double = 0, detail: Value = .null) {
        self.host = host
        self.status = status
        self.exitCode = exitCode
        self.stdout = stdout
        self.stderr = stderr
        self.duration = duration
        self.detail = detail
    }

    public var isFailure: Bool { status.isFailure }

    public func toValue() -> Value {
        var pairs: [(String, Value)] = [("host", .string(host)), ("status", .string(status.rawValue)),
                                        ("exit_code", exitCode.map { .int($0) } ?? .null),
                                        ("stdout", .string(stdout)), ("stderr", .string(stderr)),
                                        ("duration", .duration(Int64((duration * 1000).rounded())))]
        if !detail.isNil { pairs.append(("files", detail)) }
        if detailOmitted > 0 { pairs.append(("files_omitted", .int(detailOmitted))) }
        if let bytes { pairs.append(("bytes", .int(Int(bytes)))) }
        return Value.makeMap(pairs)
    }

    public static func from(_ v: Value) -> HostOutcome? {
        guard case .map(let m) = v, case .string(let host)? = m.get(.string("host")),
              case .string(let st)? = m.get(.string("status")), let status = Status(rawValue: st) else { return nil }
        var exit: Int? = nil
        if case .int(let e)? = m.get(.string("exit_code")) { exit = e }
        var out = "", err = ""
        if case .string(let s)? = m.get(.string("stdout")) { out = s }
        if case .string(let s)? = m.get(.string("stderr")) { err = s }
        var d = 0.0
        if case .duration(let ms)? = m.get(.string("duration")) { d = Double(ms) / 1000 }
        var o = HostOutcome(host: host, status: status, exitCode: exit, stdout: out, stderr: err, duration: d,
                            detail: m.get(.string("files")) ?? .null)
        if case .int(let n)? = m.get(.string("files_omitted")) { o.detailOmitted = n }
        if case .int(let n)? = m.get(.string("bytes")) { o.bytes = Int64(n) }
        return o
    }
}

