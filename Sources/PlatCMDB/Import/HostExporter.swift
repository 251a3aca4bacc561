import Foundation
import PlatLang

/// Writing hosts out in the formats `importHosts` reads back unchanged.
extension CMDB {
    /// Streams the hosts matching `filter` to `write` in chunks: CSV with a header, a JSON array with one
    /// object per line, or a YAML sequence with one mapping per host. Every field is written (empty or null when nil), then `id`, `created_at` and
    /// `updated_at`, which an import ignores. Returns the number of hosts.
    @discardableResult
    public func exportHosts(format: ImportFormat, where filter: String? = nil, _ write: (String) throws -> Void) throws -> Int {
        let fields = HostFields.columns + (try customHostFields())
        let all = fields + HostFields.readOnly
        var chunk = ""
        var count = 0
        func flush(_ force: Bool) throws {
            if force || chunk.utf8.count >= 1 << 16 {
                if !chunk.isEmpty { try write(chunk) }
                chunk = ""
            }
        }
        switch format {
        case .csv:
            chunk = CSVWriter.row(all.map(\.name))
            try forEachHost(where: filter) { h in
                var cells = fields.map { h[$0.name].text }
                cells.append(String(h.id))
                cells.append(h["created_at"].text)
                cells.append(h["updated_at"].text)
                chunk += CSVWriter.row(cells)
                count += 1
                try flush(false)
            }
        case .json:
            chunk = "["
            try forEachHost(where: filter) { h in
                chunk += count == 0 ? "\n" : ",\n"
                chunk += h.json(fields: all)
                count += 1
                try flush(false)
            }
            chunk += count == 0 ? "]\n" : "\n]\n"
        case .yaml:
            try forEachHost(where: filter) { h in
                chunk += try YAML.encode(.list([try JSON.decode(h.json(fields: all))]))
                count += 1
                try flush(false)
            }
            if count == 0 { chunk = "[]\n" }
        }
        try flush(true)
        return count
    }
}
