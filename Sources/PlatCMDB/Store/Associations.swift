import Foundation
import PlatLang
import PlatStore

/// A kind of relation between two models, with how many of each side may be linked.
public struct Association: Equatable, Sendable {
    public enum Mapping: String, Sendable, CaseIterable {
        /// Each source links to at most one destination and each destination to at most one source.
        case oneToOne = "1:1"
        /// A source links to many destinations; a destination to at most one source.
        case oneToMany = "1:n"
        case manyToMany = "n:n"
    }

    /// What deleting an instance (or host) that has links does.
    public enum OnDelete: String, Sendable, CaseIterable {
        /// The links go; the other side stays.
        case unlink
        /// The delete is refused while links exist.
        case refuse
        /// Deleting a source deletes its linked destinations too (destinations must be instances).
        case cascade
    }

    public let name: String
    public let src: String
    public let dst: String
    public let kind: String
    public let mapping: Mapping
    public let onDelete: OnDelete
}

/// One link of an association, with both ends described.
public struct LinkInfo: Equatable, Sendable {
    public let association: String
    public let srcID: Int64
    public let dstID: Int64
    public let src: String
    public let dst: String
}

extension CMDB {
    public func addAssociationKind(_ name: String) throws {
        try CMDB.checkName(name, what: "association kind")
        try write {
            if try db.queryOne("SELECT 1 FROM cmdb_association_kinds WHERE name = ?", name) != nil {
                throw CMDBError(.conflict, "association kind \(name) already exists")
            }
            try db.execute("INSERT INTO cmdb_association_kinds (name) VALUES (?)", name)
        }
    }

    public func associationKinds() throws -> [String] {
        try db.query("SELECT name FROM cmdb_association_kinds ORDER BY builtin DESC, name").compactMap { $0.string("name") }
    }

    /// Declares an association between two models (either may be `host`).
    public func addAssociation(_ name: String, src: String, dst: String, kind: String, mapping: Association.Mapping,
                               onDelete: Association.OnDelete = .unlink) throws {
        try CMDB.checkName(name, what: "association")
        try write {
            _ = try model(src)
            _ = try model(dst)
            let kinds = try associationKinds()
            guard kinds.contains(kind) else {
                throw CMDBError(.notFound, "no association kind '\(kind)'",
                                hint: closestName(to: kind, in: kinds).map { "did you mean '\($0)'?" }
                                    ?? "kinds: \(kinds.joined(separator: ", ")); add one with `cmdb assoc kind add NAME`")
            }
            if onDelete == .cascade && dst == "host" {
                throw CMDBError(.invalid, "cascade would delete hosts; hosts leave the CMDB only through `cmdb host delete`",
                                hint: "use --on-delete unlink or refuse")
            }
            if try db.queryOne("SELECT 1 FROM cmdb_associations WHERE name = ?", name) != nil {
                throw CMDBError(.conflict, "association \(name) already exists")
            }
            try db.execute("""
                INSERT INTO cmdb_associations (name, src, dst, kind, mapping, on_delete, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, name, src, dst, kind, mapping.rawValue, onDelete.rawValue, nowText)
            try recordEvent("association", name, "create", before: nil,
                            after: "{\"src\":\(CMDB.jsonString(src)),\"dst\":\(CMDB.jsonString(dst)),\"kind\":\(CMDB.jsonString(kind)),\"mapping\":\"\(mapping.rawValue)\",\"on_delete\":\"\(onDelete.rawValue)\"}")
        }
    }

    public func association(_ name: String) throws -> Association {
        guard let r = try db.queryOne("SELECT * FROM cmdb_associations WHERE name = ?", name) else {
            let all = try associations().map(\.name)
            throw CMDBError(.notFound, "no association '\(name)'", hint: closestName(to: name, in: all).map { "did you mean '\($0)'?" })
        }
        return CMDB.association(r)
    }

    public func associations() throws -> [Association] {
        try db.query("SELECT * FROM cmdb_associations ORDER BY name").map(CMDB.association)
    }

    static func association(_ r: Row) -> Association {
        Association(name: r.string("name") ?? "", src: r.string("src") ?? "", dst: r.string("dst") ?? "", kind: r.string("kind") ?? "",
                    mapping: Association.Mapping(rawValue: r.string("mapping") ?? "") ?? .manyToMany,
                    onDelete: Association.OnDelete(rawValue: r.string("on_delete") ?? "") ?? .unlink)
    }

    /// Deletes an association and its links.
    public func deleteAssociation(_ name: String) throws {
        try write {
            _ = try association(name)
            try db.execute("DELETE FROM cmdb_associations WHERE name = ?", name)
            try recordEvent("association", name, "delete", before: nil, after: nil)
        }
    }

    /// Links two records; the association's mapping is checked on every link.
    public func link(_ name: String, src: Int64, dst: Int64) throws {
        try write {
            let a = try association(name)
            let srcLabel = try endpoint(a.src, src)
            let dstLabel = try endpoint(a.dst, dst)
            if try db.queryOne("SELECT 1 FROM cmdb_links WHERE assoc = ? AND src_id = ? AND dst_id = ?", name, src, dst) != nil {
                throw CMDBError(.conflict, "\(srcLabel) is already linked to \(dstLabel) by \(name)")
            }
            if a.mapping != .manyToMany,
               let other = try db.queryOne("SELECT src_id FROM cmdb_links WHERE assoc = ? AND dst_id = ? LIMIT 1", name, dst)?.int("src_id") {
                throw CMDBError(.conflict, "\(name) is \(a.mapping.rawValue): \(dstLabel) is already linked from \(try endpoint(a.src, other))",
                                hint: "unlink it first, or use an n:n association")
            }
            if a.mapping == .oneToOne,
               let other = try db.queryOne("SELECT dst_id FROM cmdb_links WHERE assoc = ? AND src_id = ? LIMIT 1", name, src)?.int("dst_id") {
                throw CMDBError(.conflict, "\(name) is 1:1: \(srcLabel) is already linked to \(try endpoint(a.dst, other))",
                                hint: "unlink it first, or use a 1:n association")
            }
            try db.execute("INSERT INTO cmdb_links (assoc, src_id, dst_id, created_at) VALUES (?, ?, ?, ?)", name, src, dst, nowText)
            try recordEvent("link", "\(name):\(src)->\(dst)", "create", before: nil, after: nil)
        }
    }

    public func unlink(_ name: String, src: Int64, dst: Int64) throws {
        try write {
            _ = try association(name)
            try db.execute("DELETE FROM cmdb_links WHERE assoc = ? AND src_id = ? AND dst_id = ?", name, src, dst)
            if db.changes == 0 { throw CMDBError(.notFound, "#\(src) is not linked to #\(dst) by \(name)") }
            try recordEvent("link", "\(name):\(src)->\(dst)", "delete", before: nil, after: nil)
        }
    }

    /// Links in which a record of `model` with `id` takes part, on either side.
    public func links(model: String, id: Int64) throws -> [LinkInfo] {
        var out: [LinkInfo] = []
        for r in try db.query("""
            SELECT l.assoc, l.src_id, l.dst_id, a.src, a.dst FROM cmdb_links l JOIN cmdb_associations a ON a.name = l.assoc
            WHERE (a.src = ? AND l.src_id = ?) OR (a.dst = ? AND l.dst_id = ?) ORDER BY l.assoc, l.src_id, l.dst_id
            """, model, id, model, id) {
            let s = r.int("src_id") ?? 0, d = r.int("dst_id") ?? 0
            out.append(LinkInfo(association: r.string("assoc") ?? "", srcID: s, dstID: d,
                                src: (try? endpoint(r.string("src") ?? "", s)) ?? "#\(s)", dst: (try? endpoint(r.string("dst") ?? "", d)) ?? "#\(d)"))
        }
        return out
    }

    /// Describes a link end, checking that it exists and is of the model.
    private func endpoint(_ model: String, _ id: Int64) throws -> String {
        if model == "host" {
            guard let h = try host(id: id) else { throw CMDBError(.notFound, "no host #\(id)") }
            return "host \(h.label)"
        }
        guard let i = try instance(id: id), i.model == model else { throw CMDBError(.notFound, "no \(model) #\(id)") }
        return i.title
    }

    /// Before a record goes: refuse, unlink, or delete linked destinations, per association.
    func applyDeleteRules(model: String, id: Int64, label: String) throws {
        for a in try associations() where a.src == model || a.dst == model {
            var linked: [Int64] = []
            if a.src == model {
                linked += try db.query("SELECT dst_id FROM cmdb_links WHERE assoc = ? AND src_id = ?", a.name, id).compactMap { $0.int("dst_id") }
            }
            var sources: [Int64] = []
            if a.dst == model {
                sources = try db.query("SELECT src_id FROM cmdb_links WHERE assoc = ? AND dst_id = ?", a.name, id).compactMap { $0.int("src_id") }
            }
            if linked.isEmpty && sources.isEmpty { continue }
            switch a.onDelete {
            case .refuse:
                throw CMDBError(.conflict, "\(label) has \(linked.count + sources.count) link(s) by \(a.name), whose on-delete rule is refuse",
                                hint: "unlink them first (cmdb unlink \(a.name) SRC DST)")
            case .unlink:
                break
            case .cascade:
                try db.execute("DELETE FROM cmdb_links WHERE assoc = ? AND src_id = ?", a.name, id)
                for d in linked where a.dst != "host" {
                    if try instance(id: d) != nil { try deleteInstance(id: d) }
                }
            }
            try db.execute("DELETE FROM cmdb_links WHERE assoc = ? AND (src_id = ? AND ? = 1 OR dst_id = ? AND ? = 1)",
                           a.name, id, a.src == model, id, a.dst == model)
        }
    }
}
