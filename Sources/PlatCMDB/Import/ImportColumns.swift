import Foundation
import PlatLang
import PlatStore

/// Where each column of the file goes, and how a record becomes a parsed row. Immutable, so the reading
/// thread uses it while the writing thread inserts.
struct ImportColumns: @unchecked Sendable {
    enum Target {
        case builtin(Int)
        case custom(FieldDef)
        case ignored
    }

    let custom: [FieldDef]
    let customByName: [String: FieldDef]
    let knownNames: [String]
    /// CSV: the header's columns in order.
    var targets: [Target] = []
    /// CSV: the column of each built-in field (by `HostFields.columns` index), -1 when the file has none.
    var cellOfSlot = [Int](repeating: -1, count: HostFields.columns.count)

    init(custom: [FieldDef]) {
        self.custom = custom
        var byName: [String: FieldDef] = [:]
        for f in custom { byName[f.name] = f }
        customByName = byName
        knownNames = (HostFields.columns + custom + HostFields.readOnly).map(\.name)
    }

    func target(_ name: String) -> Target? {
        if let i = HostFields.columnIndex[name] { return .builtin(i) }
        if let f = customByName[name] { return .custom(f) }
        if HostFields.readOnly.contains(where: { $0.name == name }) { return .ignored }
        return nil
    }

    func suggestion(_ name: String) -> String {
        name + (closestFieldName(name, knownNames).map { " (did you mean '\($0)'?)" } ?? "")
    }

    /// Maps the CSV header; unknown or repeated columns end the import before any row is read.
    mutating func mapHeader(_ names: [String]) throws {
        var unknown: [String] = []
        var seen = Set<String>()
        for raw in names {
            let name = String(AttributeType.trimSpaces(Substring(raw)))
            if name.isEmpty { throw CMDBError(.invalid, "the header has an empty column name") }
            if !seen.insert(name).inserted { throw CMDBError(.invalid, "the header names the column \(name) twice") }
            if let t = target(name) {
                if case .builtin(let c) = t { cellOfSlot[c] = targets.count }
                targets.append(t)
            } else {
                unknown.append(suggestion(name))
                targets.append(.ignored)
            }
        }
        if !unknown.isEmpty {
            throw CMDBError(.invalid, "unknown column\(unknown.count == 1 ? "" : "s"): \(unknown.joined(separator: ", "))",
                            hint: "columns are host fields (\(HostFields.columns.prefix(6).map(\.name).joined(separator: ", ")), ...) or custom fields declared with `cmdb model attr add host`")
        }
    }

    func parse(cells: [String], line: Int) -> ParsedRow {
        var row = ParsedRow(line: line, slots: [CMDBValue?](repeating: nil, count: HostFields.columns.count), custom: [:], problems: [])
        guard cells.count == targets.count else {
            row.problems.append(ImportProblem(line: line, field: nil, reason: "has \(cells.count) cells; the header has \(targets.count)"))
            return row
        }
        for (i, cell) in cells.enumerated() {
            switch targets[i] {
            case .builtin(ImportColumns.innerSlot):
                let (value, addresses) = AttributeType.parseIPs(text: cell)
                store(value, builtin: ImportColumns.innerSlot, into: &row)
                row.innerAddresses = addresses
            case .builtin(ImportColumns.outerSlot):
                let (value, addresses) = AttributeType.parseIPs(text: cell)
                store(value, builtin: ImportColumns.outerSlot, into: &row)
                row.outerAddresses = addresses
            case .builtin(let c):
                // The type alone: a built-in field has no pattern, and copying a whole FieldDef for every
                // cell (its strings, retained and released) cost more than parsing most cells.
                store(ImportColumns.builtinTypes[c].parse(text: cell), builtin: c, into: &row)
            case .custom(let f): store(f.parse(text: cell), custom: f, into: &row)
            case .ignored: break
            }
        }
        return row
    }

    func parse(object: [String: Any], line: Int) -> ParsedRow {
        var row = ParsedRow(line: line, slots: [CMDBValue?](repeating: nil, count: HostFields.columns.count), custom: [:], problems: [])
        var unknown: [String] = []
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            guard let t = target(key) else { unknown.append(suggestion(key)); continue }
            switch t {
            case .builtin(let c):
                let f = HostFields.columns[c]
                store(f.validate(f.type.accept(json: value)), builtin: c, into: &row)
            case .custom(let f): store(f.validate(f.type.accept(json: value)), custom: f, into: &row)
            case .ignored: break
            }
        }
        if !unknown.isEmpty {
            row.problems.append(ImportProblem(line: line, field: nil, reason: "unknown field\(unknown.count == 1 ? "" : "s"): \(unknown.joined(separator: ", "))"))
        }
        return row
    }

    private static let builtinTypes = HostFields.columns.map { f in
        precondition(f.regex == nil, "a built-in field with a pattern must be parsed with FieldDef.parse")
        return f.type
    }
    static let cloudSlot = HostFields.columnIndex["cloud_area"] ?? 2
    static let addressingSlot = HostFields.columnIndex["addressing"] ?? 3
    static let innerSlot = HostFields.columnIndex["inner_ip"] ?? 0
    static let outerSlot = HostFields.columnIndex["outer_ip"] ?? 1
    static let transportSlot = HostFields.columnIndex["transport"] ?? 21
    static let hostnameSlot = HostFields.columnIndex["hostname"] ?? 4

    /// Works out, for a good row, what inserting it as a new host binds (see `ParsedRow.insert`). Without
    /// `keepSlots` (no host can match an existing one) the parsed values are dropped here, so that the
    /// reading thread, not the busier writing one, frees them.
    func prepareInsert(_ row: inout ParsedRow, now: String, keepSlots: Bool) {
        guard row.problems.isEmpty else { return }
        if case .int(let c)? = row.slots[ImportColumns.cloudSlot] { row.cloud = c }
        row.dynamic = row.slots[ImportColumns.addressingSlot] == .some(.string("dynamic"))
        if case .string(let s)? = row.slots[ImportColumns.hostnameSlot] { row.hostname = s }
        row.doc = CMDBSchema.poolHostDocument(slots: row.slots, custom: row.custom, order: custom)
        defer { if !keepSlots { row.slots = [] } }
        let n = HostFields.columns.count
        var values = PackedRow(columns: n + 3, bytes: 256)
        for i in 0..<n {
            if case .list(let items)? = row.slots[i], !items.isEmpty {
                values.append(joined: items, separator: UInt8(ascii: ","))
            } else if let v = row.slots[i], !v.isNull {
                values.append(v.sqlValue)
            } else {
                switch i {
                case ImportColumns.cloudSlot: values.append(Int64(0))
                case ImportColumns.addressingSlot: values.append("static")
                case ImportColumns.transportSlot: values.append("local")
                default: values.appendNull()
                }
            }
        }
        if !row.custom.isEmpty, let json = CustomJSON.encode(row.custom, order: custom) { values.append(json) } else { values.appendNull() }
        values.append(now)
        values.append(now)
        row.insert = values
        for (slot, inner) in [(ImportColumns.innerSlot, true), (ImportColumns.outerSlot, false)] {
            if let addresses = inner ? row.innerAddresses : row.outerAddresses {
                for ip in addresses { row.ipKeys.append(IPKey(address: ip, inner: inner)) }
                continue
            }
            guard case .list(let ips)? = row.slots[slot] else { continue }
            for text in ips { if let ip = IPAddress(text) { row.ipKeys.append(IPKey(address: ip, inner: inner)) } }
        }
        row.innerAddresses = nil
        row.outerAddresses = nil
    }

    private func store(_ r: Result<CMDBValue, FieldProblem>, builtin c: Int, into row: inout ParsedRow) {
        switch r {
        case .success(let v):
            // Only numbers have a range to check (the name is looked up just for them: this runs for every cell).
            if case .int = v, let p = HostFields.rangeProblem(HostFields.columns[c].name, v) {
                row.problems.append(ImportProblem(line: row.line, field: HostFields.columns[c].name, reason: p.reason))
            } else {
                row.slots[c] = v
            }
        case .failure(let p):
            row.problems.append(ImportProblem(line: row.line, field: HostFields.columns[c].name, reason: p.reason))
        }
    }

    private func store(_ r: Result<CMDBValue, FieldProblem>, custom f: FieldDef, into row: inout ParsedRow) {
        switch r {
        case .success(let v): row.custom[f.name] = v
        case .failure(let p): row.problems.append(ImportProblem(line: row.line, field: f.name, reason: p.reason))
        }
    }
}
