import Foundation
import PlatStore

/// One result of `cmdb search`: a host or a model instance, its rank, and which fields held the words.
public struct SearchHit: Sendable {
    public enum Kind: String, Sendable { case host, instance }
    public let kind: Kind
    public let id: Int64
    /// The instance's model (`host` for hosts).
    public let model: String
    public let title: String
    /// bm25: lower is better (SQLite's convention); IP-only hits rank 0.
    public let score: Double
    /// `field: value` pairs where a search word matched, in field order.
    public let matched: [(field: String, value: String)]
}

extension CMDB {
    /// `text` cut into the words the full-text index holds: runs of letters, digits and `-_.` (the index's
    /// token characters, CMDBSchema), so `web-1` stays one word.
    static func indexWords(_ text: String) -> [String] {
        var out: [String] = []
        var current = String.UnicodeScalarView()
        for u in text.unicodeScalars {
            if CharacterSet.alphanumerics.contains(u) || u == "-" || u == "_" || u == "." {
                current.append(u)
            } else if !current.isEmpty {
                out.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { out.append(String(current)) }
        // A word of only `-_.` matches nothing useful (and `.` alone would be every dotted name).
        return out.filter { $0.unicodeScalars.contains { CharacterSet.alphanumerics.contains($0) } }
    }

    /// Full-text search over hosts and instances, best first.
    ///
    /// Every word must match the start of a word in the record (`ngin` finds nginx), case- and
    /// accent-insensitively. Words that are IP addresses or CIDR ranges are answered by the IP index
    /// instead (IPs are not in the full-text index) and narrow the results to hosts with such an IP.
    public func search(_ text: String, limit: Int = 20) throws -> [SearchHit] {
        var words: [String] = []
        var ranges: [IPRange] = []
        for raw in text.split(whereSeparator: { $0.isWhitespace }).map(String.init) {
            if raw.contains(where: { $0 == "." || $0 == ":" }), let r = IPRange(raw) {
                ranges.append(r)
            } else {
                // The index splits text into words at every other character, and a
                // query of several index words would be a phrase, which this index does not support: `/var/log`
                // and `"quoted"` search for their words (`var` and `log`, `quoted`).
                words += CMDB.indexWords(raw)
            }
        }
        guard !words.isEmpty || !ranges.isEmpty else {
            throw CMDBError(.invalid, "give at least one word to search for", hint: "platflow cmdb search \"nginx shanghai\"")
        }
        // 10,000 shown at most, plus the one a caller asks for to learn that more match.
        let limit = max(1, min(limit, 10_001))
        var ipFilter = ""
        var ipArgs: [SQLBindable?] = []
        if !ranges.isEmpty {
            ipFilter = "rowid IN (" + ranges.map { _ in "SELECT host_id * 2 FROM cmdb_host_ips WHERE ip BETWEEN ? AND ?" }
                .joined(separator: " UNION ") + ")"
            for r in ranges { ipArgs.append(r.low); ipArgs.append(r.high) }
        }
        var rows: [(Int64, Double)] = []
        if words.isEmpty {
            try db.forEach("SELECT rowid FROM cmdb_fts WHERE \(ipFilter) ORDER BY rowid LIMIT ?", ipArgs + [limit]) { r in
                rows.append((r.int("rowid") ?? 0, 0))
            }
        } else {
            // Each word is a quoted prefix query: FTS5 syntax characters in it are plain text.
            let match = words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"*" }.joined(separator: " ")
            let sql = "SELECT rowid, bm25(cmdb_fts) AS score FROM cmdb_fts WHERE cmdb_fts MATCH ?"
                + (ipFilter.isEmpty ? "" : " AND \(ipFilter)") + " ORDER BY score, rowid LIMIT ?"
            do {
                try db.forEach(sql, [match] + ipArgs + [limit]) { r in rows.append((r.int("rowid") ?? 0, r.double("score") ?? 0)) }
            } catch let e as DatabaseError where e.message.contains("fts5") {
                throw CMDBError(.invalid, "cannot search for '\(text)': \(e.message)")
            }
        }
        let folded = words.map(CMDB.fold)
        let hostFields = try self.hostFields()
        var out: [SearchHit] = []
        for (rowid, score) in rows {
            let id = rowid / 2
            if rowid % 2 == 0 {
                guard let h = try host(id: id) else { continue }
                var pairs: [(String, String)] = hostFields.compactMap { f in h[f.name].isNull ? nil : (f.name, h[f.name].text) }
                if let b = h.biz { pairs.append(("biz", b)) }
                if !h.modules.isEmpty { pairs.append(("modules", h.modules.joined(separator: ","))) }
                var matched = CMDB.matchedFields(pairs, folded)
                for r in ranges {
                    for (field, ips) in [("inner_ip", h.innerIPs), ("outer_ip", h["outer_ip"].text.split(separator: ",").map(String.init))] {
                        for ip in ips where IPAddress(ip).map(r.contains) == true && !matched.contains(where: { $0.0 == field && $0.1 == ip }) {
                            matched.append((field, ip))
                        }
                    }
                }
                out.append(SearchHit(kind: .host, id: id, model: "host", title: h.label, score: score, matched: matched))
            } else {
                guard let inst = try instance(id: id) else { continue }
                let attributes = try self.attributes(of: inst.model)
                let pairs = [("model", inst.model)] + attributes.compactMap { a in inst[a.name].isNull ? nil : (a.name, inst[a.name].text) }
                out.append(SearchHit(kind: .instance, id: id, model: inst.model, title: inst.title, score: score,
                                     matched: CMDB.matchedFields(pairs, folded)))
            }
        }
        return out
    }

    /// The fields whose text has a word starting with one of the search words.
    static func matchedFields(_ pairs: [(String, String)], _ words: [String]) -> [(field: String, value: String)] {
        guard !words.isEmpty else { return [] }
        var out: [(String, String)] = []
        for (field, value) in pairs {
            let tokens = value.split(whereSeparator: { c in !(c.isLetter || c.isNumber || c == "-" || c == "_" || c == ".") })
                .map { fold(String($0)) }
            if words.contains(where: { w in tokens.contains { $0.hasPrefix(w) } }) {
                out.append((field, value.count > 80 ? String(value.prefix(77)) + "..." : value))
            }
        }
        return out
    }

    static func fold(_ s: String) -> String {
        s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }
}
