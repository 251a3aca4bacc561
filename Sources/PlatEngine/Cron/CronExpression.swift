import Foundation
import PlatLang

/// A parsed five-field cron expression (`minute hour day-of-month month day-of-week`) or macro (`@daily`).
///
/// Parsing rejects anything that could never fire. Fire times are computed in the wall-clock time of a time
/// zone by `next(after:in:)`; the daylight-saving policy is described there and in docs/cron.md.
public struct CronExpression: Sendable, CustomStringConvertible {
    /// The text the expression was parsed from, trimmed of surrounding whitespace.
    public let source: String

    let minutes: CronBits
    let hours: CronBits
    let daysOfMonth: CronBits
    let months: CronBits
    /// 0 = Sunday ... 6 = Saturday (a written 7 is stored as 0).
    let daysOfWeek: CronBits
    /// Vixie cron's rule: when both day fields are restricted (neither starts with `*`), a day matches if either
    /// does; otherwise both must match (an unrestricted `*` matches every day, so only the other one counts).
    let dayFieldsEither: Bool
    /// The hour field starts with `*`: the expression is periodic in wall-clock time, so it fires at every real
    /// instant that matches (twice in a repeated hour, never in a skipped one). Otherwise it names times of
    /// day, which fire once per day even across daylight-saving changes.
    let firesEveryRealInstant: Bool

    static let fieldList = "minute hour day-of-month month day-of-week"

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses `text`; throws `CronError` naming the field and the reason when it is not valid.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        source = trimmed
        func fail(_ reason: String, field: String? = nil) -> CronError {
            CronError(expression: trimmed, field: field, reason: reason)
        }
        var fieldsText = trimmed
        if trimmed.hasPrefix("@") {
            let words = trimmed.split(whereSeparator: { $0.isWhitespace })
            let macro = words.first.map { $0.lowercased() } ?? trimmed
            if words.count > 1 {
                throw fail("a macro stands alone; unexpected '\(words.dropFirst().joined(separator: " "))' after \(words[0])")
            }
            if macro == "@reboot" { throw fail("@reboot is not supported: a schedule needs times to fire at") }
            guard let expansion = Self.macros[macro] else {
                var reason = "unknown macro '\(trimmed)'"
                if let near = closestName(to: macro, in: Self.macros.keys.sorted()) { reason += "; did you mean \(near)?" }
                throw fail(reason + " (known: @yearly @annually @monthly @weekly @daily @midnight @hourly)")
            }
            fieldsText = expansion
        }
        let parts = fieldsText.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        if parts.isEmpty { throw fail("empty cron expression; expected 5 fields (\(Self.fieldList)) or a macro such as @daily") }
        guard parts.count == 5 else {
            var reason = "expected 5 fields (\(Self.fieldList)), got \(parts.count)"
            if parts.count > 5 { reason += "; seconds and year fields are not supported" }
            throw fail(reason)
        }
        var fields: [CronField] = []
        for (kind, part) in zip(CronFieldKind.allCases, parts) {
            fields.append(try CronField.parse(part, kind: kind, expression: trimmed))
        }
        minutes = fields[0].values
        hours = fields[1].values
        daysOfMonth = fields[2].values
        months = fields[3].values
        daysOfWeek = fields[4].values
        dayFieldsEither = !fields[2].startsWithStar && !fields[4].startsWithStar
        firesEveryRealInstant = fields[1].startsWithStar
        if !dayFieldsEither, let reason = Self.impossibleDays(daysOfMonth, in: months, written: parts[2]) {
            throw fail(reason, field: CronFieldKind.dayOfMonth.name)
        }
    }

    public var description: String { source }

    /// When both day fields must match, the expression never fires if no listed month has a listed day (31 in
    /// April, 30 in February). Every date of the Gregorian 400-year cycle falls on each weekday, so no other
    /// combination is impossible.
    private static func impossibleDays(_ days: CronBits, in months: CronBits, written: String) -> String? {
        var monthNames: [String] = []
        for month in 1...12 where months.contains(month) {
            let longest = month == 2 ? 29 : CronCalendar.daysInMonth(year: 2001, month: month)
            if let d = days.first, d <= longest { return nil }
            monthNames.append(Self.monthNames[month - 1])
        }
        let listed: String
        if monthNames.count == 1 {
            listed = monthNames[0]
        } else {
            listed = monthNames.dropLast().joined(separator: ", ") + " or " + (monthNames.last ?? "")
        }
        return "day-of-month \(written) never occurs in \(listed), so the expression would never fire"
    }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August",
                             "September", "October", "November", "December"]

    /// Whether a local calendar day is a firing day under the day-of-month/day-of-week rule.
    func dayMatches(day: Int, weekday: Int) -> Bool {
        let dom = daysOfMonth.contains(day), dow = daysOfWeek.contains(weekday)
        return dayFieldsEither ? (dom || dow) : (dom && dow)
    }

    /// Whether a wall-clock minute matches all five fields (used by tests as an oracle's building block).
    func matches(year: Int, month: Int, day: Int, hour: Int, minute: Int) -> Bool {
        let weekday = CronCalendar.weekday(days: CronCalendar.days(year: year, month: month, day: day))
        return minutes.contains(minute) && hours.contains(hour) && months.contains(month)
            && dayMatches(day: day, weekday: weekday)
    }
}
