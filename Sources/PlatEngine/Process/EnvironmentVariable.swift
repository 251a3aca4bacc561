import Foundation

/// One environment variable, read with `getenv`. `ProcessInfo.processInfo.environment` builds a dictionary of the
/// whole environment on every call (about 350,000 instructions on a first call; start-up made three), which a
/// command that wants one variable does not need.
public enum EnvironmentVariable {
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
