import Foundation
import PlatLang
import PlatStore

/// An app as recorded from its declaration: what `app list` and `app show` print, what the compatibility gate
/// reads for the other apps of an environment.
public struct RecordedApp: Sendable, Equatable {
    public let name: String
    public let file: String
    public let deployPlan: String
    public let owners: [String]
    public let requires: [String: String]
    public let declaredAt: Double
}

extension ReleaseStore {
    /// Records `app` as its declaration says now: the app row, its environments (the classes acceptances and
    /// gates judge by) and its stage policy, in one transaction.
    public func record(_ app: AppDefinition) throws {
        try AppName.check(app.name)
        let owners = try JSON.encode(.list(app.owners.map { .string($0) }))
        let requires = try JSON.encode(.makeMap(app.requires.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        try db.transaction {
            try db.execute("""
                INSERT INTO release_apps (app, file, deploy_plan, owners, requires, declared_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (app) DO UPDATE SET file = excluded.file, deploy_plan = excluded.deploy_plan,
                owners = excluded.owners, requires = excluded.requires, declared_at = excluded.declared_at
                """, app.name, app.file, app.deployPlan, owners, requires, clock())
            try declareEnvironments(app: app.name, app.environments)
            try setPolicy(app: app.name, app.policy)
        }
    }

    /// The apps recorded from declarations, by name.
    public func recordedApps() throws -> [RecordedApp] {
        try db.query("SELECT * FROM release_apps ORDER BY app").map(recordedApp(from:))
    }

    public func recordedApp(_ name: String) throws -> RecordedApp? {
        try db.queryOne("SELECT * FROM release_apps WHERE app = ?", name).map(recordedApp(from:))
    }

    private func recordedApp(from r: Row) -> RecordedApp {
        var owners: [String] = []
        if let t = r.string("owners"), case .list(let xs)? = try? JSON.decode(t) {
            owners = xs.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
        }
        var requires: [String: String] = [:]
        if let t = r.string("requires"), case .map(let m)? = try? JSON.decode(t) {
            for (k, v) in m.pairs { if case .string(let a) = k, case .string(let range) = v { requires[a] = range } }
        }
        return RecordedApp(name: r.string("app") ?? "", file: r.string("file") ?? "", deployPlan: r.string("deploy_plan") ?? "",
                           owners: owners, requires: requires, declaredAt: r.double("declared_at") ?? 0)
    }
}
