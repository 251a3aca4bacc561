import Foundation

/// One field of a host or one attribute of a model: its type, its checks, and where its value lives.
public struct FieldDef: Sendable, Equatable {
    public enum Storage: Sendable, Equatable {
        /// A column of the owner's table, named like the field.
        case column
        /// A key of the JSON object in the owner's `custom` (hosts) or `data` (instances) column.
        case json
        /// Derived from the topology (`biz`, `set`, `module`): read-only, many-valued for set and module.
        case topology
        /// The row id.
        case id
    }

    public let name: String
    public let type: AttributeType
    public var required: Bool
    /// A regular expression every non-empty value must match (somewhere, unless anchored with ^ and $).
    public var regex: String?
    public var label: String
    public let storage: Storage
    /// Set by the CMDB itself (id, created/updated times, topology); imports ignore such columns.
    public var readOnly: Bool

    public init(_ name: String, _ type: AttributeType, required: Bool = false, regex: String? = nil, label: String? = nil,
                storage: Storage = .json, readOnly: Bool = false) {
        self.name = name
        self.type = type
        self.required = required
        self.regex = regex
        self.label = label ?? name
        self.storage = storage
        self.readOnly = readOnly
    }

    /// Parses text for this field and applies its regex.
    public func parse(text: String) -> Result<CMDBValue, FieldProblem> {
        let r = type.parse(text: text)
        guard case .success(let v) = r, let regex, !v.isNull else { return r }
        return check(v, regex: regex)
    }

    /// Checks an already typed value against the regex (for JSON and .plat input).
    public func check(_ v: CMDBValue, regex: String) -> Result<CMDBValue, FieldProblem> {
        let values: [String]
        if case .list(let xs) = v { values = xs } else { values = [v.text] }
        for s in values where !FieldDef.wholeMatch(s, regex) {
            return .failure(FieldProblem("'\(AttributeType.clip(s))' does not match the pattern \(regex)"))
        }
        return .success(v)
    }

    public func validate(_ r: Result<CMDBValue, FieldProblem>) -> Result<CMDBValue, FieldProblem> {
        guard case .success(let v) = r, let regex, !v.isNull else { return r }
        return check(v, regex: regex)
    }

    /// Does the pattern match somewhere in the value? Anchor it (^...$) to match the whole value.
    static func wholeMatch(_ s: String, _ pattern: String) -> Bool {
        guard let re = RegexCache.shared.regex(pattern) else { return false }
        return re.firstMatch(in: s, options: [], range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// Is `pattern` a regular expression NSRegularExpression accepts?
    public static func isValidRegex(_ pattern: String) -> Bool { RegexCache.shared.regex(pattern) != nil }
}

/// Compiled patterns by text: an import checks the same regex on every row.
final class RegexCache: @unchecked Sendable {
    static let shared = RegexCache()
    private let lock = NSLock()
    private var cache: [String: NSRegularExpression] = [:]

    func regex(_ pattern: String) -> NSRegularExpression? {
        lock.lock()
        defer { lock.unlock() }
        if let r = cache[pattern] { return r }
        guard let r = try? NSRegularExpression(pattern: pattern) else { return nil }
        if cache.count > 256 { cache.removeAll() }
        cache[pattern] = r
        return r
    }
}

/// The built-in fields of a host, in column order.
public enum HostFields {
    public static let osTypes = ["linux", "windows", "aix", "unix", "macos", "freebsd", "other"]

    /// The writable columns of `cmdb_hosts`, in the order inserts bind them.
    public static let columns: [FieldDef] = [
        FieldDef("inner_ip", .ip, label: "inner IP", storage: .column),
        FieldDef("outer_ip", .ip, label: "outer IP", storage: .column),
        FieldDef("cloud_area", .int, label: "cloud area", storage: .column),
        FieldDef("addressing", .enumeration(["static", "dynamic"]), storage: .column),
        FieldDef("hostname", .string, storage: .column),
        FieldDef("os_type", .enumeration(osTypes), label: "OS type", storage: .column),
        FieldDef("os_name", .string, label: "OS name", storage: .column),
        FieldDef("os_version", .string, label: "OS version", storage: .column),
        FieldDef("cpu", .int, label: "CPU cores", storage: .column),
        FieldDef("mem", .int, label: "memory (MB)", storage: .column),
        FieldDef("disk", .int, label: "disk (GB)", storage: .column),
        FieldDef("cloud_vendor", .string, label: "cloud vendor", storage: .column),
        FieldDef("instance_id", .string, label: "instance id", storage: .column),
        FieldDef("region", .string, storage: .column),
        FieldDef("zone", .string, storage: .column),
        FieldDef("city", .string, storage: .column),
        FieldDef("sla", .int, label: "SLA", storage: .column),
        FieldDef("operator", .user, storage: .column),
        FieldDef("bak_operator", .user, label: "backup operator", storage: .column),
        FieldDef("state", .string, storage: .column),
        FieldDef("comment", .text, storage: .column),
        FieldDef("transport", .enumeration(["local", "ssh"]), storage: .column),
        FieldDef("ssh_user", .string, label: "ssh user", storage: .column),
        FieldDef("ssh_port", .int, label: "ssh port", storage: .column),
        FieldDef("ssh_key", .string, label: "ssh key", storage: .column),
    ]

    /// Fields the CMDB sets itself.
    public static let readOnly: [FieldDef] = [
        FieldDef("id", .int, storage: .id, readOnly: true),
        FieldDef("created_at", .time, label: "created", storage: .column, readOnly: true),
        FieldDef("updated_at", .time, label: "updated", storage: .column, readOnly: true),
    ]

    /// Topology, for filters and output.
    public static let topology: [FieldDef] = [
        FieldDef("biz", .string, label: "business", storage: .topology, readOnly: true),
        FieldDef("set", .list, storage: .topology, readOnly: true),
        FieldDef("module", .list, storage: .topology, readOnly: true),
    ]

    public static let columnIndex: [String: Int] = {
        var m: [String: Int] = [:]
        for (i, f) in columns.enumerated() { m[f.name] = i }
        return m
    }()

    /// Names custom fields may not take.
    public static let reserved: Set<String> = Set((columns + readOnly + topology).map(\.name))
        .union(["name", "address", "user", "port", "identity", "root", "known_hosts", "modules", "custom", "pool"])

    /// Checks ranges the types alone do not express (ports, negative sizes).
    static func rangeProblem(_ field: String, _ v: CMDBValue) -> FieldProblem? {
        guard case .int(let i) = v else { return nil }
        switch field {
        case "ssh_port" where i < 1 || i > 65535: return FieldProblem("must be a port from 1 to 65535, got \(i)")
        case "cloud_area", "cpu", "mem", "disk", "sla":
            if i < 0 { return FieldProblem("may not be negative, got \(i)") }
        default: break
        }
        return nil
    }
}
