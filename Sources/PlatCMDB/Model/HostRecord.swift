import Foundation
import PlatLang
import PlatStore

/// One host as read from the CMDB: its fields (built-in and custom) and where it sits in the topology.
public struct HostRecord: Equatable, Sendable {
    public var id: Int64
    /// Built-in and custom fields; absent means nil.
    public var values: [String: CMDBValue]
    /// The business it belongs to; nil for a host in the resource pool.
    public var biz: String?
    /// `set/module` paths of its modules (empty in the pool).
    public var modules: [String]

    public init(id: Int64, values: [String: CMDBValue], biz: String? = nil, modules: [String] = []) {
        self.id = id
        self.values = values
        self.biz = biz
        self.modules = modules
    }

    public subscript(_ field: String) -> CMDBValue { values[field] ?? .null }

    public var innerIPs: [String] {
        if case .list(let xs) = self["inner_ip"] { return xs }
        return []
    }

    public var cloudArea: Int64 {
        if case .int(let c) = self["cloud_area"] { return c }
        return 0
    }

    /// How people call the host: its hostname, else its first inner IP, else `host-ID`.
    public var displayName: String {
        if case .string(let h) = self["hostname"], !h.isEmpty { return h }
        return innerIPs.first ?? "host-\(id)"
    }

    /// `10.0.0.5 (web-01)` style, for messages.
    public var label: String {
        let ip = innerIPs.first
        if case .string(let h) = self["hostname"], !h.isEmpty { return ip.map { "\($0) (\(h))" } ?? h }
        return ip ?? "host #\(id)"
    }

    /// The fields as JSON text (events, exports): `id` first, then `fields` in order, nil values as null.
    public func json(fields: [FieldDef]) -> String {
        var out = "{\"id\":\(id)"
        for f in fields where f.storage != .topology && f.storage != .id {
            out += ","
            Value.writeQuoted(f.name, to: &out)
            out += ":"
            self[f.name].appendJSON(to: &out)
        }
        return out + "}"
    }

    /// The host as .plat sees it: the map `sh` and `copy` accept (`name`, `address`, `transport`, `user`,
    /// `port`, `identity`) plus every CMDB field, `id`, `biz` and `modules`.
    public func platValue(fields: [FieldDef]) -> Value {
        var pairs: [(String, Value)] = [("name", .string(displayName)),
                                        ("address", .string(innerIPs.first ?? displayName))]
        let transport = self["transport"].text
        pairs.append(("transport", .string(transport.isEmpty ? "local" : transport)))
        if case .string(let u) = self["ssh_user"] { pairs.append(("user", .string(u))) }
        if case .int(let p) = self["ssh_port"] { pairs.append(("port", .int(Int(p)))) }
        if case .string(let k) = self["ssh_key"] { pairs.append(("identity", .string(k))) }
        pairs.append(("id", .int(Int(id))))
        for f in fields where f.storage == .column || f.storage == .json {
            if ["transport", "ssh_user", "ssh_port", "ssh_key"].contains(f.name) { continue }
            let v = self[f.name]
            if !v.isNull { pairs.append((f.name, v.platValue)) }
        }
        pairs.append(("biz", biz.map { .string($0) } ?? .null))
        pairs.append(("modules", .list(modules.map { .string($0) })))
        return Value.makeMap(pairs)
    }

    /// A JSONSerialization-ready object (`--json` output): every field, nil as null, plus the topology.
    public func jsonObject(fields: [FieldDef]) -> [String: Any] {
        var o: [String: Any] = ["id": id, "biz": biz ?? NSNull(), "modules": modules]
        for f in fields where f.storage == .column || f.storage == .json {
            o[f.name] = self[f.name].jsonObject
        }
        return o
    }
}

/// Reading host rows: the SELECT every reader uses and the conversion of its rows.
enum HostRows {
    /// Columns of a host with its business name and module paths.
    static let select = """
        SELECT h.*, (SELECT name FROM cmdb_biz WHERE id = h.biz_id) AS biz_name,
            (SELECT group_concat(s.name || '/' || m.name, ',') FROM cmdb_host_modules hm
                JOIN cmdb_modules m ON m.id = hm.module_id JOIN cmdb_sets s ON s.id = m.set_id
                WHERE hm.host_id = h.id) AS module_paths
        FROM cmdb_hosts h
        """

    /// Where each field is among a row's columns, worked out once per statement rather than per field
    /// and row (looking a column up by name scans the names).
    struct Layout {
        let names: [String]
        let builtin: [Int?]
        let readOnly: [(FieldDef, Int)]
        let custom: Int?
        let id: Int?
        let biz: Int?
        let modules: Int?

        init(_ names: [String]) {
            self.names = names
            var index: [String: Int] = [:]
            for (i, n) in names.enumerated() where index[n] == nil { index[n] = i }
            builtin = HostFields.columns.map { index[$0.name] }
            readOnly = HostFields.readOnly.compactMap { f in f.storage == .column ? index[f.name].map { (f, $0) } : nil }
            custom = index["custom"]
            id = index["id"]
            biz = index["biz_name"]
            modules = index["module_paths"]
        }
    }

    static func record(_ r: Row, custom: [FieldDef]) -> HostRecord {
        record(r, custom: custom, layout: Layout(r.columnNames))
    }

    static func record(_ r: Row, custom: [FieldDef], layout: Layout) -> HostRecord {
        var values: [String: CMDBValue] = [:]
        values.reserveCapacity(HostFields.columns.count + 4)
        for (i, f) in HostFields.columns.enumerated() {
            guard let c = layout.builtin[i] else { continue }
            let v = CMDBValue.from(r[c], type: f.type)
            if !v.isNull { values[f.name] = v }
        }
        for (f, c) in layout.readOnly {
            let v = CMDBValue.from(r[c], type: f.type)
            if !v.isNull { values[f.name] = v }
        }
        func text(_ i: Int?) -> String? {
            guard let i, case .text(let s) = r[i] else { return nil }
            return s
        }
        if !custom.isEmpty, let text = text(layout.custom) {
            let object = CustomJSON.decode(text)
            for f in custom {
                guard let raw = object[f.name] else { continue }
                let v = CustomJSON.value(raw, type: f.type)
                if !v.isNull { values[f.name] = v }
            }
        }
        let paths = text(layout.modules).map { $0.split(separator: ",").map(String.init).sorted() } ?? []
        var id: Int64 = 0
        if let i = layout.id, case .int(let v) = r[i] { id = v }
        return HostRecord(id: id, values: values, biz: text(layout.biz), modules: paths)
    }
}

/// The JSON object of custom fields (hosts) and attributes (instances): a flat object of scalars, lists kept
/// as comma-joined strings.
enum CustomJSON {
    static func decode(_ text: String) -> [String: Any] {
        guard let data = text.data(using: .utf8),
              let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return o
    }

    static func value(_ raw: Any, type: AttributeType) -> CMDBValue {
        switch raw {
        case is NSNull: return .null
        case let s as String:
            return type.isList ? CMDBValue.from(.text(s), type: type) : .string(s)
        case let n as NSNumber:
            if AttributeType.isJSONBool(n) { return .bool(n.boolValue) }
            if type == .float { return .float(n.doubleValue) }
            if type == .int { return .int(n.int64Value) }
            let d = n.doubleValue
            return d == d.rounded() && abs(d) < 9e18 && !String(describing: n).contains(".") ? .int(n.int64Value) : .float(d)
        default:
            return .null
        }
    }

    /// Encodes the non-nil values in `order` (field order keeps the text stable for comparisons).
    static func encode(_ values: [String: CMDBValue], order: [FieldDef]) -> String? {
        var out = "{"
        var first = true
        for f in order {
            guard let v = values[f.name], !v.isNull else { continue }
            if !first { out += "," }
            first = false
            Value.writeQuoted(f.name, to: &out)
            out += ":"
            v.appendStorageJSON(to: &out)
        }
        return first ? nil : out + "}"
    }
}
