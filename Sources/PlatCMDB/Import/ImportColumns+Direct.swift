import Foundation
import PlatStore

/// The direct way from a CSV record to what the writer binds, for the rows of a first load: every column a
/// built-in field, no host in the CMDB yet (nothing to compare a row with, so its values need not be kept).
///
/// The general way parses every cell into a typed value, keeps the values, and then turns them into the
/// insert's bytes and the search document: most of an import's parsing work, for values thrown away at
/// once. This way checks each cell's bytes where they lie and copies them straight into the insert and the
/// document. It takes only cells whose value it can tell for certain is the one the general way would give
/// (plain numbers, one IPv4 address, one user name, text within its limits, an allowed option); for any other
/// row it returns nil and the general way reads the row, so what a file means, and every message about a
/// bad cell, come from one place. A test holds the two ways equal on random rows.
extension ImportColumns {
    /// How the direct way checks a built-in field's cell.
    enum DirectCheck {
        case string, text, int, ip, user
        /// One of the field's options (`directOptions`).
        case option
        /// Left to the general way.
        case none
    }

    static let directChecks: [DirectCheck] = HostFields.columns.map { f in
        switch f.type {
        case .string: .string
        case .text: .text
        case .int: .int
        case .ip: .ip
        case .user: .user
        case .enumeration: .option
        default: .none
        }
    }

    /// The options of each enumeration field, as UTF-8.
    static let directOptions: [[[UInt8]]] = HostFields.columns.map { f in
        if case .enumeration(let options) = f.type { return options.map { Array($0.utf8) } }
        return []
    }

    /// True when `parseDirect` may be tried on this file's rows: every column is a built-in field or ignored.
    var allowsDirect: Bool {
        targets.allSatisfy { if case .custom = $0 { return false } else { return true } }
    }

    /// The row `parse(cells:line:)` on the record's fields followed by `prepareInsert(_:now:keepSlots: false)`
    /// would give, or nil when this record needs the general way. Works on the record's bytes: no string is
    /// made of a cell, except of a hostname and of text that is not ASCII (to check it is UTF-8).
    func parseDirect(_ record: CSVRecord, now: String) -> ParsedRow? {
        guard record.count == targets.count else { return nil }
        var row = ParsedRow(line: record.line, slots: [], custom: [:], problems: [])
        var values = PackedRow(columns: cellOfSlot.count + 3, bytes: 256)
        // In the insert's column order: each field's cell, checked and copied, or its default.
        for (c, i) in cellOfSlot.enumerated() {
            guard i >= 0, !record.isEmpty(i) else {
                switch c {
                case ImportColumns.cloudSlot: values.append(Int64(0))
                case ImportColumns.addressingSlot: values.append("static")
                case ImportColumns.transportSlot: values.append("local")
                default: values.appendNull()
                }
                continue
            }
            let taken = record.withField(i) { b -> Bool in
                // Spaces or tabs around a value are trimmed by the general way.
                if b[0] == 32 || b[0] == 9 || b[b.count - 1] == 32 || b[b.count - 1] == 9 { return false }
                switch ImportColumns.directChecks[c] {
                case .string:
                    guard b.count <= AttributeType.stringLimit, ImportColumns.isUTF8(b) else { return false }
                case .text:
                    guard b.count <= AttributeType.textLimit, ImportColumns.isUTF8(b) else { return false }
                case .int:
                    guard let v = ImportColumns.plainInt(b),
                          HostFields.rangeProblem(HostFields.columns[c].name, .int(v)) == nil else { return false }
                    values.append(v)
                    if c == ImportColumns.cloudSlot { row.cloud = v }
                    return true
                case .ip:
                    // One IPv4 address: its text is already canonical. Lists and IPv6 go the general way.
                    guard let v4 = IPAddress.parseIPv4Value(b) else { return false }
                    row.ipKeys.append(IPKey(address: IPAddress(ipv4: v4), inner: c == ImportColumns.innerSlot))
                case .user:
                    guard AttributeType.isUserName(utf8: b) else { return false }
                case .option:
                    guard ImportColumns.directOptions[c].contains(where: { $0.elementsEqual(b) }) else { return false }
                    if c == ImportColumns.addressingSlot { row.dynamic = b.elementsEqual("dynamic".utf8) }
                case .none:
                    return false
                }
                values.append(utf8: b)
                return true
            }
            guard taken else { return nil }
        }
        values.appendNull()  // no custom fields
        values.append(now)
        values.append(now)
        row.insert = values
        let hostnameCell = cellOfSlot[ImportColumns.hostnameSlot]
        if hostnameCell >= 0, !record.isEmpty(hostnameCell) {
            row.hostname = record.withField(hostnameCell) { String(decoding: $0, as: UTF8.self) }
        }
        // The document as CMDBSchema.poolHostDocument builds it: a user name has no comma to turn into a
        // space, and there are no custom fields.
        var doc: [UInt8] = []
        doc.reserveCapacity(192)
        for (k, field) in CMDBSchema.documentFields.enumerated() {
            if k > 0 { doc.append(32) }
            let i = cellOfSlot[field.slot]
            if i >= 0 { record.withField(i) { doc.append(contentsOf: $0) } }
        }
        doc.append(contentsOf: [32, 32, 32])
        row.doc = doc
        return row
    }

    /// Whether the bytes are UTF-8: at once for ASCII, by making a string of them otherwise.
    static func isUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.allSatisfy { $0 < 0x80 } || String(validating: b, as: UTF8.self) != nil
    }

    /// An integer written plainly: an optional sign and at most 18 digits (which cannot overflow).
    static func plainInt(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        var negative = false
        if let first = b.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            i = 1
        }
        guard i < b.count, b.count - i <= 18 else { return nil }
        var v: Int64 = 0
        while i < b.count {
            let d = b[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            v = v * 10 + Int64(d)
            i += 1
        }
        return negative ? -v : v
    }
}
