import PlatRelease

/// Why a gateway operation did not happen; nothing is recorded when one is thrown. Exit codes follow the
/// release module's (`ReleaseExitCode`): 2 bad input, 4 a gate refused, 1 the work failed.
public enum GatewayError: Error, CustomStringConvertible, Sendable {
    /// Bad input: an unknown gateway, stage, resource or version, a field that fails validation (exit 2).
    case invalidInput(String, hint: String?)
    /// The production gate refused a publish (exit 4).
    case gateRefused(GateRefusal)
    /// The data plane or the store failed (exit 1).
    case failed(String, hint: String?)

    public var message: String {
        switch self {
        case .invalidInput(let m, _), .failed(let m, _): return m
        case .gateRefused(let r): return r.message
        }
    }

    public var hint: String? {
        switch self {
        case .invalidInput(_, let h), .failed(_, let h): return h
        case .gateRefused(let r): return r.remedy
        }
    }

    public var description: String { message }

    public var exitCode: Int32 {
        switch self {
        case .invalidInput: return ReleaseExitCode.usage
        case .gateRefused: return ReleaseExitCode.gateRefused
        case .failed: return ReleaseExitCode.failed
        }
    }

    /// "resource 'list_orders': path ..." — errors name the resource and the field.
    static func field(_ owner: String, _ field: String, _ problem: String, hint: String? = nil) -> GatewayError {
        .invalidInput("\(owner): \(field) \(problem)", hint: hint)
    }
}
