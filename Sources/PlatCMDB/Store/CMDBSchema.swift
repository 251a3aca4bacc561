import PlatStore

/// The CMDB's tables, all prefixed `cmdb_`.
///
/// Hosts keep their built-in fields in columns and custom fields in one JSON object; every IP a host has is
/// also a row of `cmdb_host_ips` keyed by its 16-byte form, which makes exact lookups, lists and CIDR ranges
/// index range scans and carries the "inner IP unique within a cloud area" rule in its key (migration 3).
/// The full-text index is kept by the CMDB's own statements in the same transaction as the rows it covers
/// (see SearchIndex.swift for why not by triggers).
public enum CMDBSchema {
    /// The full-text index of hosts and instances as of schema version 2, in the database `schema`: hosts at
    /// rowid 2*id, instances at 2*id+1. The one definition, so that an index built elsewhere for an import
    /// (SearchIndexBuilder) has tables of exactly this layout; `contentless` leaves out the copy of the
    /// documents (the index itself is the same).
    static func searchTableSQL(schema: String = "main", contentless: Bool = false) -> String {
        """
        CREATE VIRTUAL TABLE \(schema).cmdb_fts USING fts5(doc, \(contentless ? "content='', " : "")detail=none, columnsize=0,
            tokenize="unicode61 remove_diacritics 2 tokenchars '-_.'")
        """
    }

    /// The text the full-text index holds for the host row aliased `a`. IPs are
    /// left out: they are looked up through the IP index, which answers exactly and costs far less to keep.
    /// `inPool` leaves out the business and module lookups, which are empty for a host in the resource
    /// pool (the text is the same; an import of new hosts saves two subqueries per host).
    static func hostDocument(_ a: String, inPool: Bool = false) -> String {
        """
        printf('%s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s',
            \(a).hostname, \(a).os_type, \(a).os_name, \(a).os_version, \(a).cloud_vendor, \(a).instance_id,
            \(a).region, \(a).zone, \(a).city, replace(\(a).operator, ',', ' '), replace(\(a).bak_operator, ',', ' '),
            \(a).state, \(a).comment,
            (SELECT group_concat(replace(value, ',', ' '), ' ') FROM json_each(\(a).custom) WHERE type = 'text'),
            \(inPool ? "NULL" : "(SELECT name FROM cmdb_biz WHERE id = \(a).biz_id)"),
            \(inPool ? "NULL" : """
                (SELECT group_concat(s.name || ' ' || m.name, ' ') FROM cmdb_host_modules hm
                    JOIN cmdb_modules m ON m.id = hm.module_id JOIN cmdb_sets s ON s.id = m.set_id WHERE hm.host_id = \(a).id)
                """))
        """
    }

    /// The built-in fields of `hostDocument`, in its order, and whether their commas become spaces.
    static let documentFields: [(slot: Int, commasToSpaces: Bool)] = [
        ("hostname", false), ("os_type", false), ("os_name", false), ("os_version", false), ("cloud_vendor", false),
        ("instance_id", false), ("region", false), ("zone", false), ("city", false), ("operator", true),
        ("bak_operator", true), ("state", false), ("comment", false),
    ].map { (HostFields.columnIndex[$0.0]!, $0.1) }

    /// The text of `hostDocument(_:inPool: true)` built in Swift from a new host's values (`slots` by
    /// `HostFields.columns` index, nil or `.null` when empty) and custom fields (in `order`), as UTF-8: an
    /// import builds it on its reading thread rather than having SQLite build it on the busier writing one.
    /// A test holds the two equal.
    static func poolHostDocument(slots: [CMDBValue?], custom: [String: CMDBValue], order: [FieldDef]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(192)
        let space = UInt8(ascii: " ")
        /// Appends the text as stored (lists comma-joined), its commas turned into spaces when `commas`.
        func append(_ v: CMDBValue, commas: Bool) {
            switch v {
            case .list(let xs):
                for (k, x) in xs.enumerated() {
                    if k > 0 { out.append(commas ? space : UInt8(ascii: ",")) }
                    append(x, commas: commas)
                }
            case .string(let s): append(s, commas: commas)
            default: append(v.text, commas: commas)
            }
        }
        func append(_ s: String, commas: Bool) {
            let start = out.count
            PackedRow.appendUTF8(s, to: &out)
            if commas {
                for i in start..<out.count where out[i] == UInt8(ascii: ",") { out[i] = space }
            }
        }
        for (k, field) in documentFields.enumerated() {
            if k > 0 { out.append(space) }
            if let v = slots[field.slot], !v.isNull { append(v, commas: field.commasToSpaces) }
        }
        out.append(space)
        var first = true
        for f in order {
            // The JSON text values of the custom object: strings and lists (stored as comma-joined text).
            guard let v = custom[f.name] else { continue }
            switch v {
            case .string, .list: break
            default: continue
            }
            if !first { out.append(space) }
            first = false
            append(v, commas: true)
        }
        // The business and module names, empty for a host in the resource pool.
        out.append(space)
        out.append(space)
        return out
    }

    static func instanceDocument(_ a: String) -> String {
        """
        printf('%s %s', \(a).model,
            (SELECT group_concat(replace(value, ',', ' '), ' ') FROM json_each(\(a).data) WHERE type IN ('text', 'integer', 'real')))
        """
    }

    public static let migrations: [Migration] = [
        Migration(module: "cmdb", version: 1, sql: """
            CREATE TABLE cmdb_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

            CREATE TABLE cmdb_biz (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL
            );
            CREATE TABLE cmdb_set_templates (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL
            );
            CREATE TABLE cmdb_set_template_modules (
                template_id INTEGER NOT NULL REFERENCES cmdb_set_templates(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                PRIMARY KEY (template_id, name)
            ) WITHOUT ROWID;
            CREATE TABLE cmdb_sets (
                id INTEGER PRIMARY KEY,
                biz_id INTEGER NOT NULL REFERENCES cmdb_biz(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                builtin INTEGER NOT NULL DEFAULT 0,
                template_id INTEGER REFERENCES cmdb_set_templates(id),
                UNIQUE (biz_id, name)
            );
            CREATE INDEX cmdb_sets_template ON cmdb_sets(template_id) WHERE template_id IS NOT NULL;
            CREATE TABLE cmdb_modules (
                id INTEGER PRIMARY KEY,
                set_id INTEGER NOT NULL REFERENCES cmdb_sets(id) ON DELETE CASCADE,
                biz_id INTEGER NOT NULL REFERENCES cmdb_biz(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                kind TEXT NOT NULL DEFAULT 'normal' CHECK (kind IN ('normal', 'idle', 'fault', 'recycle')),
                UNIQUE (set_id, name)
            );
            CREATE INDEX cmdb_modules_name ON cmdb_modules(name);

            CREATE TABLE cmdb_hosts (
                id INTEGER PRIMARY KEY,
                inner_ip TEXT,
                outer_ip TEXT,
                cloud_area INTEGER NOT NULL DEFAULT 0,
                addressing TEXT NOT NULL DEFAULT 'static',
                hostname TEXT,
                os_type TEXT,
                os_name TEXT,
                os_version TEXT,
                cpu INTEGER,
                mem INTEGER,
                disk INTEGER,
                cloud_vendor TEXT,
                instance_id TEXT,
                region TEXT,
                zone TEXT,
                city TEXT,
                sla INTEGER,
                operator TEXT,
                bak_operator TEXT,
                state TEXT,
                comment TEXT,
                transport TEXT NOT NULL DEFAULT 'local',
                ssh_user TEXT,
                ssh_port INTEGER,
                ssh_key TEXT,
                custom TEXT,
                biz_id INTEGER REFERENCES cmdb_biz(id),
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE INDEX cmdb_hosts_hostname ON cmdb_hosts(hostname);
            CREATE INDEX cmdb_hosts_biz ON cmdb_hosts(biz_id) WHERE biz_id IS NOT NULL;

            -- Every IP of every host; `inner` 1 for inner IPs, `static` 1 for statically addressed hosts.
            CREATE TABLE cmdb_host_ips (
                ip BLOB NOT NULL,
                cloud_area INTEGER NOT NULL,
                host_id INTEGER NOT NULL,
                inner INTEGER NOT NULL,
                static INTEGER NOT NULL,
                PRIMARY KEY (ip, cloud_area, host_id, inner)
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX cmdb_host_ips_unique ON cmdb_host_ips(cloud_area, ip) WHERE inner = 1 AND static = 1;

            CREATE TABLE cmdb_host_modules (
                host_id INTEGER NOT NULL REFERENCES cmdb_hosts(id) ON DELETE CASCADE,
                module_id INTEGER NOT NULL REFERENCES cmdb_modules(id),
                PRIMARY KEY (host_id, module_id)
            ) WITHOUT ROWID;
            CREATE INDEX cmdb_host_modules_module ON cmdb_host_modules(module_id, host_id);

            CREATE TABLE cmdb_classifications (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);
            CREATE TABLE cmdb_models (
                name TEXT PRIMARY KEY,
                classification TEXT NOT NULL REFERENCES cmdb_classifications(name),
                builtin INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL
            );
            CREATE TABLE cmdb_attributes (
                model TEXT NOT NULL REFERENCES cmdb_models(name) ON DELETE CASCADE,
                name TEXT NOT NULL,
                type TEXT NOT NULL,
                required INTEGER NOT NULL DEFAULT 0,
                regex TEXT,
                position INTEGER NOT NULL,
                PRIMARY KEY (model, name)
            );
            CREATE TABLE cmdb_unique_rules (
                model TEXT NOT NULL REFERENCES cmdb_models(name) ON DELETE CASCADE,
                fields TEXT NOT NULL,
                PRIMARY KEY (model, fields)
            );
            CREATE TABLE cmdb_instances (
                id INTEGER PRIMARY KEY,
                model TEXT NOT NULL REFERENCES cmdb_models(name),
                data TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE INDEX cmdb_instances_model ON cmdb_instances(model);
            CREATE TABLE cmdb_association_kinds (name TEXT PRIMARY KEY, builtin INTEGER NOT NULL DEFAULT 0);
            INSERT INTO cmdb_association_kinds (name, builtin) VALUES
                ('belongs', 1), ('groups', 1), ('runs-on', 1), ('connects', 1), ('default', 1);
            CREATE TABLE cmdb_associations (
                name TEXT PRIMARY KEY,
                src TEXT NOT NULL REFERENCES cmdb_models(name),
                dst TEXT NOT NULL REFERENCES cmdb_models(name),
                kind TEXT NOT NULL REFERENCES cmdb_association_kinds(name),
                mapping TEXT NOT NULL CHECK (mapping IN ('1:1', '1:n', 'n:n')),
                on_delete TEXT NOT NULL CHECK (on_delete IN ('unlink', 'refuse', 'cascade')),
                created_at TEXT NOT NULL
            );
            CREATE TABLE cmdb_links (
                assoc TEXT NOT NULL REFERENCES cmdb_associations(name) ON DELETE CASCADE,
                src_id INTEGER NOT NULL,
                dst_id INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (assoc, src_id, dst_id)
            ) WITHOUT ROWID;
            CREATE INDEX cmdb_links_dst ON cmdb_links(assoc, dst_id);

            CREATE TABLE cmdb_groups (
                name TEXT PRIMARY KEY,
                filter TEXT NOT NULL,
                vars TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );

            -- Change events; AUTOINCREMENT so a cursor is never reused after old events are removed.
            CREATE TABLE cmdb_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                resource TEXT NOT NULL,
                ref TEXT NOT NULL,
                kind TEXT NOT NULL,
                before TEXT,
                after TEXT,
                who TEXT NOT NULL,
                at REAL NOT NULL
            );
            CREATE INDEX cmdb_events_ref ON cmdb_events(resource, ref, id);

            -- Hosts and instances share one index: rowid 2*id for a host, 2*id+1 for an instance.
            CREATE VIRTUAL TABLE cmdb_fts USING fts5(doc, detail=none,
                tokenize="unicode61 remove_diacritics 2 tokenchars '-_.'");
            INSERT INTO cmdb_classifications (name, created_at) VALUES ('host', '1970-01-01T00:00:00Z');
            INSERT INTO cmdb_models (name, classification, builtin, created_at) VALUES ('host', 'host', 1, '1970-01-01T00:00:00Z');
            """),
        // The full-text index without its per-document token counts (columnsize=0): one row fewer to write
        // for every indexed host, which an import of 100,000 hosts notices; ranking reads the counts from the
        // stored text instead, at no measurable cost for a top-20 search. Rebuilt from the hosts and instances.
        Migration(module: "cmdb", version: 2, sql: """
            DROP TABLE cmdb_fts;
            \(searchTableSQL());
            INSERT INTO cmdb_fts (rowid, doc) SELECT h.id * 2, \(hostDocument("h")) FROM cmdb_hosts h;
            INSERT INTO cmdb_fts (rowid, doc) SELECT i.id * 2 + 1, \(instanceDocument("i")) FROM cmdb_instances i;
            """),
        // Two fewer index entries for every host an import writes:
        // - The IP index is one b-tree instead of a table and a unique index. Its key ends in a slot: 0 for a
        //   static host's inner IP, so that the key itself carries the rule "an inner IP is unique within a
        //   cloud area for statically addressed hosts", and 2 * host + inner for every other address, unique
        //   per host and role (CMDB.ipSlot).
        // - The events' index by resource covers only events with a `before`, the only ones looked up that way
        //   (to rebuild the state after a creation that was recorded without a snapshot, as imports do).
        Migration(module: "cmdb", version: 3, sql: """
            CREATE TABLE cmdb_host_ips_v3 (
                ip BLOB NOT NULL,
                cloud_area INTEGER NOT NULL,
                slot INTEGER NOT NULL,
                host_id INTEGER NOT NULL,
                inner INTEGER NOT NULL,
                static INTEGER NOT NULL,
                PRIMARY KEY (ip, cloud_area, slot)
            ) WITHOUT ROWID;
            INSERT INTO cmdb_host_ips_v3 (ip, cloud_area, slot, host_id, inner, static)
                SELECT ip, cloud_area, CASE WHEN inner = 1 AND static = 1 THEN 0 ELSE host_id * 2 + inner END,
                    host_id, inner, static FROM cmdb_host_ips;
            DROP TABLE cmdb_host_ips;
            ALTER TABLE cmdb_host_ips_v3 RENAME TO cmdb_host_ips;
            DROP INDEX cmdb_events_ref;
            CREATE INDEX cmdb_events_ref ON cmdb_events(resource, ref, id) WHERE before IS NOT NULL;
            """),
    ]

    /// The last part of an IP index key (see migration 3).
    static func ipSlot(host: Int64, inner: Bool, isStatic: Bool) -> Int64 {
        inner && isStatic ? 0 : host * 2 + (inner ? 1 : 0)
    }

    static let insertIPSQL = "INSERT INTO cmdb_host_ips (ip, cloud_area, slot, host_id, inner, static) VALUES (?, ?, ?, ?, ?, ?)"
}
