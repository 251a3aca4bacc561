import Foundation
import PlatStore

/// Reading hosts by filter and by IP.
extension CMDB {
    /// The catalogue of host fields the filter language knows right now (custom fields included).
    public func hostCatalog() throws -> FieldCatalog {
        try cachedSchema().catalog
    }

    /// Compiles a host filter; nil or blank means every host.
    public func compileHostFilter(_ filter: String?, variables: [String: FilterVariable] = [:]) throws -> CompiledFilter {
        guard let filter, filter.contains(where: { !$0.isWhitespace }) else {
            return CompiledFilter(sql: "1", args: [])
        }
        if variables.isEmpty { return try cachedHostFilter(filter) }
        return try FilterCompiler.compile(filter, catalog: try hostCatalog(), variables: variables)
    }

    /// Hosts matching the filter, by id. Throws FilterError for a bad filter.
    public func hosts(where filter: String?, variables: [String: FilterVariable] = [:], limit: Int? = nil) throws -> [HostRecord] {
        var out: [HostRecord] = []
        try reading { try forEachHost(where: filter, variables: variables, limit: limit) { out.append($0) } }
        return out
    }

    /// Streams the hosts matching the filter to `body`, one at a time (exports of any size).
    public func forEachHost(where filter: String?, variables: [String: FilterVariable] = [:], limit: Int? = nil,
                            _ body: (HostRecord) throws -> Void) throws {
        let compiled = try compileHostFilter(filter, variables: variables)
        let custom = try customHostFields()
        var sql = HostRows.select + " WHERE \(compiled.sql) ORDER BY h.id"
        var args: [SQLBindable?] = compiled.args
        if let limit {
            sql += " LIMIT ?"
            args.append(limit)
        }
        try db.forEach(sql, args) { row in try body(HostRows.record(row, custom: custom, layout: layout(row))) }
    }

    public func countHosts(where filter: String?, variables: [String: FilterVariable] = [:]) throws -> Int {
        let compiled = try compileHostFilter(filter, variables: variables)
        return Int(try db.queryOne("SELECT count(*) AS n FROM cmdb_hosts h WHERE \(compiled.sql)", compiled.args)?.int("n") ?? 0)
    }

    /// Ids of the hosts matching the filter (for transfers and updates of many hosts).
    public func hostIDs(where filter: String?, variables: [String: FilterVariable] = [:]) throws -> [Int64] {
        let compiled = try compileHostFilter(filter, variables: variables)
        return try db.query("SELECT h.id FROM cmdb_hosts h WHERE \(compiled.sql) ORDER BY h.id", compiled.args).compactMap { $0.int("id") }
    }

    /// One host found by `cmdb ip`, with the addresses that matched.
    public struct IPMatch: Sendable {
        public let host: HostRecord
        /// `inner 10.0.0.5`, `outer 54.1.2.3`.
        public let matched: [String]
    }

    /// Hosts with an inner or outer IP equal to, or inside, any of `queries` (addresses and CIDR ranges,
    /// IPv4 or IPv6; a query may also be a comma-separated list).
    public func hosts(byIP queries: [String], cloudArea: Int64? = nil) throws -> [IPMatch] {
        try reading { try hostsByIP(queries, cloudArea: cloudArea) }
    }

    private func hostsByIP(_ queries: [String], cloudArea: Int64?) throws -> [IPMatch] {
        var ranges: [IPRange] = []
        for q in queries.flatMap({ $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }) where !q.isEmpty {
            guard let r = IPRange(q) else {
                throw CMDBError(.invalid, "'\(q)' is not an IP address or CIDR range", hint: "for example 10.0.0.5, 10.0.0.0/24 or 2001:db8::/64")
            }
            ranges.append(r)
        }
        guard !ranges.isEmpty else { throw CMDBError(.invalid, "give at least one IP address or CIDR range") }
        var matched: [Int64: [String]] = [:]
        var order: [Int64] = []
        for r in ranges {
            try db.forEach("""
                SELECT ip, host_id, inner, cloud_area FROM cmdb_host_ips WHERE ip BETWEEN ? AND ? ORDER BY ip, host_id
                """, [r.low, r.high]) { row in
                guard let id = row.int("host_id"), let key = row.blob("ip"), key.count == 16 else { return }
                if let cloudArea, row.int("cloud_area") != cloudArea { return }
                let isV4 = key[0..<10].allSatisfy { $0 == 0 } && key[10] == 0xff && key[11] == 0xff
                let text = "\(row.bool("inner") == true ? "inner" : "outer") \(IPAddress(bytes: key, isIPv4: isV4))"
                if matched[id] == nil { order.append(id) }
                if matched[id]?.contains(text) != true { matched[id, default: []].append(text) }
            }
        }
        var out: [IPMatch] = []
        if order.count == 1, let h = try host(id: order[0]) {
            return [IPMatch(host: h, matched: matched[order[0]] ?? [])]
        }
        let list = "[" + order.sorted().map(String.init).joined(separator: ",") + "]"
        try forEachHostRow(where: "h.id IN (SELECT value FROM json_each(?))", [list]) { h in
            out.append(IPMatch(host: h, matched: matched[h.id] ?? []))
        }
        return out
    }
}

extension CMDB {
    /// Host records for an SQL condition over `h`, in id order.
    func forEachHostRow(where condition: String, _ args: [SQLBindable?], _ body: (HostRecord) throws -> Void) throws {
        let custom = try customHostFields()
        try db.forEach(HostRows.select + " WHERE \(condition) ORDER BY h.id", args) { row in
            try body(HostRows.record(row, custom: custom, layout: layout(row)))
        }
    }

    /// The cached column positions, rebuilt when a row has other columns.
    func layout(_ row: Row) -> HostRows.Layout {
        if let l = hostLayout, l.names == row.columnNames { return l }
        let l = HostRows.Layout(row.columnNames)
        hostLayout = l
        return l
    }
}
