import Foundation
import PlatStore

/// The direct way from a CSV record to what the writer binds, for the rows of a first load: every column a
/// built-in field, no host in the CMDB yet (nothing to compare a row with, so its values need not be kept).
///
/// The general way parses every cell into a typed value, keeps the values, and then turns them into the
/// insert's bytes and the search document: most of an import's parsing work, for values thrown away at
/// once. This way checks each cell where it lies and copies its bytes straight into the insert and the
/// document. It takes only cells whose value it can tell for certain is the one the general way would give
/// (plain numbers, one address, one user name, text within its limits, an allowed option); for any other
/// row it returns nil and the general way reads the row, so what a file means, and every message about a
/// bad cell, come from one place. A test holds the two ways equal on random rows.
extension ImportColumns {
    /// True when `parseDirect` may be tried on this file's rows: every column is a built-in field or ignored.
    var allowsDirect: Bool {
        targets.allSatisfy { if case .custom = $0 { return false } else { return true } }
    }

    /// The row `parse(cells:line:)` followed by `prepareInsert(_:now:keepSlots: false)` would give, or nil
    /// when this row needs the general way.
    func parseDirect(cells: [String], line: Int, now: String) -> ParsedRow? {
        guard cells.count == targets.count else { return nil }
        let n = HostFields.columns.count
        // The cell of each built-in field, and the number of each int field.
        var cellOf = [Int](repeating: -1, count: n)
        var number = [Int64](repeating: 0, count: n)
        var row = ParsedRow(line: line, slots: [], custom: [:], problems: [])
        for (i, cell) in cells.enumerated() {
            guard case .builtin(let c) = targets[i] else { continue }
            cellOf[c] = i
            guard !cell.isEmpty else { continue }
            if AttributeType.hasOuterSpace(cell) { return nil }
            switch ImportColumns.directTypes[c] {
            case .string:
                if cell.utf8.count > AttributeType.stringLimit { return nil }
            case .text:
                if cell.utf8.count > AttributeType.textLimit { return nil }
            case .int:
                guard let v = ImportColumns.plainInt(cell),
                      HostFields.rangeProblem(HostFields.columns[c].name, .int(v)) == nil else { return nil }
                number[c] = v
            case .ip:
                guard !cell.utf8.contains(UInt8(ascii: ",")), let address = IPAddress(cell),
                      address.isIPv4, cell.utf8.count <= 15 else { return nil }
                row.ipKeys.append(IPKey(address: address, inner: c == ImportColumns.innerSlot))
            case .user:
                guard AttributeType.isUserName(cell) else { return nil }
            case .enumeration(let options):
                guard options.contains(cell) else { return nil }
            default:
                return nil
            }
        }
        // Inner IPs before outer ones, as the general way lists them.
        if row.ipKeys.count == 2 && !row.ipKeys[0].inner { row.ipKeys.swapAt(0, 1) }

        var values = PackedRow(columns: n + 3, bytes: 256)
        for c in 0..<n {
            let i = cellOf[c]
            if i >= 0 && !cells[i].isEmpty {
                if case .int = ImportColumns.directTypes[c] { values.append(number[c]) } else { values.append(cells[i]) }
                continue
            }
            switch c {
            case ImportColumns.cloudSlot: values.append(Int64(0))
            case ImportColumns.addressingSlot: values.append("static")
            case ImportColumns.transportSlot: values.append("local")
            default: values.appendNull()
            }
        }
        values.appendNull()  // no custom fields
        values.append(now)
        values.append(now)
        row.insert = values

        func cell(_ c: Int) -> String? {
            let i = cellOf[c]
            return i >= 0 && !cells[i].isEmpty ? cells[i] : nil
        }
        row.cloud = number[ImportColumns.cloudSlot]
        row.dynamic = cell(ImportColumns.addressingSlot) == "dynamic"
        row.hostname = cell(ImportColumns.hostnameSlot)
        // The document as CMDBSchema.poolHostDocument builds it: one user name has no comma to turn into a
        // space, and there are no custom fields.
        var doc: [UInt8] = []
        doc.reserveCapacity(192)
        for (k, field) in CMDBSchema.documentFields.enumerated() {
            if k > 0 { doc.append(UInt8(ascii: " ")) }
            if let text = cell(field.slot) {
                if field.commasToSpaces && text.utf8.contains(UInt8(ascii: ",")) { return nil }
                PackedRow.appendUTF8(text, to: &doc)
            }
        }
        doc.append(contentsOf: [UInt8(ascii: " "), UInt8(ascii: " "), UInt8(ascii: " ")])
        row.doc = doc
        return row
    }

    /// The built-in fields' types.
    static let directTypes = HostFields.columns.map(\.type)

    /// An integer written plainly: an optional sign and at most 18 digits (which cannot overflow).
    static func plainInt(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { b -> Int64? in
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
}
