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

    /// What `schedule apply` checks without a database: each schedule's cron text and time zone (a did-you-mean
    /// for a zone), and each subscription's event among `events`. `platflow check` reports the same.
    public static func check(_ declarations: [Declaration], events: [String]) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        for d in declarations {
            if d.kind == schedule.kind {
                guard let (cronValue, cronLoc) = d.entry("cron"), case .string(let cron) = cronValue else { continue }
                var tz = "UTC"
                if case .string(let s)? = d.entry("tz")?.value { tz = s }
                do {
                    _ = try ScheduleTiming(cron: cron, tz: tz)
                } catch let e as ScheduleError {
                    let loc = e.message.hasPrefix("unknown time zone") ? (d.entry("tz")?.loc ?? cronLoc) : cronLoc
                    problems.append(Diagnostic(message: e.message, location: loc, hint: e.hint, phase: .resolve))
                } catch {
                    problems.append(Diagnostic(message: "\(error)", location: cronLoc, phase: .resolve))
                }
            } else if d.kind == subscription.kind, !events.contains(d.label) {
                problems.append(Diagnostic(message: "no event '\(d.label)' to subscribe to", location: d.labelLoc,
                                           hint: closestName(to: d.label, in: events).map { "did you mean '\($0)'?" }
                                               ?? (events.isEmpty ? "no module provides events" : "events: \(events.joined(separator: ", "))"),
                                           phase: .resolve))
            }
        }
        return problems
    }
}
