import PlatLang

/// The declarations the engine itself understands: schedules and event subscriptions, both applied with
/// `platflow schedule apply FILE`. The resolver checks their shape; `ScheduleStore.apply` checks what only the
/// engine knows (cron text, time zones, events and their filters, the plan's parameters).
public enum EngineDeclarations {
    /// `schedule "nightly" { cron: "0 3 * * *", tz: "Asia/Shanghai", run: cleanup(days: 7), overlap: "skip",
    /// catch_up: 1h }`
    public static let schedule = DeclarationSpec(keyword: "schedule", keys: .fixed([
        DeclarationKey("cron", .string, required: true, example: "\"0 3 * * *\""),
        DeclarationKey("tz", .string, example: "\"Asia/Shanghai\""),
        DeclarationKey("run", .planCall, required: true, missingHint: "run: main() names the plan to start"),
        DeclarationKey("overlap", .oneOf(OverlapPolicy.allCases.map(\.rawValue))),
        DeclarationKey("catch_up", .duration, example: "1h"),
    ]))

    /// `on cmdb.host.changed where 'city == "sh"' run audit(tag: "sh")`: the plan runs once for every matching
    /// event. Several subscriptions may listen to one event.
    public static let subscription = DeclarationSpec(keyword: "on", kind: "subscription", syntax: .eventSubscription,
                                                     keys: .fixed([
        DeclarationKey("event", .string, required: true),
        DeclarationKey("where", .string),
        DeclarationKey("run", .planCall, required: true),
    ]), uniqueLabels: false)

    public static let all = [schedule, subscription]
}
