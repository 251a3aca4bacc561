import Foundation

/// Fire-time computation.
///
/// The zone's offset is constant between two of its transitions, so the search walks the timeline one such
/// segment at a time: inside a segment wall-clock time is instant + offset, and the earliest matching
/// wall-clock minute of the segment gives the earliest fire. At each transition the daylight-saving policy
/// decides what happens to wall-clock times that were skipped or are about to repeat:
///
/// - expressions whose hour field starts with `*` (`0 * * * *`, `*/15 * * * *`) fire at every real instant
///   that matches: a skipped local time never fires, a repeated one fires in both passes;
/// - the others name times of day (`30 2 * * *`): a time in a spring-forward gap fires once at the first
///   instant after the gap, and a time that occurs twice fires only at its first occurrence.
extension CronExpression {
    /// How far ahead a search looks before answering nil: every day-of-month/month/weekday combination
    /// recurs within one 400-year Gregorian cycle.
    static let searchYears = 401

    /// `upcoming` returns at most this many times, so a huge `count` cannot make it run for hours.
    public static let maxUpcoming = 100_000

    /// The first fire time strictly after `date`, in the given zone; nil only if none exists (e.g. Feb 30).
    public func next(after date: Date, in zone: TimeZone) -> Date? {
        let raw = date.timeIntervalSince1970
        guard raw.isFinite, abs(raw) < 300_000_000_000 else { return nil }
        let start = Int(raw.rounded(.down)) + 1
        let startYear = CronCalendar.date(fromDays: CronCalendar.floorDiv(start, CronCalendar.secondsPerDay)).year
        let lastYear = min(startYear + Self.searchYears, CronCalendar.supportedYears.upperBound)
        guard startYear <= lastYear else { return nil }
        let zoneInfo = ZoneTimeline(zone)

        var t = start
        // The transition that began the current segment, with the offset in force before it.
        var previous: (at: Int, offsetBefore: Int)? = nil
        if !firesEveryRealInstant, let last = zoneInfo.lastTransition(atOrBefore: t) {
            previous = last
            // Starting exactly at a spring-forward instant: the gap's fire (if any) is this very instant.
            let offset = zoneInfo.offset(at: t)
            if last.at == t, offset > last.offsetBefore,
               firstLocalMatch(from: t + last.offsetBefore, before: t + offset, lastYear: lastYear) != nil {
                return Date(timeIntervalSince1970: TimeInterval(t))
            }
        }
        // Twice the 400-year horizon's transitions is far more than any zone has; a guard, not a limit.
        for _ in 0..<4000 {
            let offset = zoneInfo.offset(at: t)
            let transition = zoneInfo.transition(after: t)
            var lowLocal = t + offset
            if !firesEveryRealInstant, let p = previous, p.offsetBefore > offset {
                // After a fall-back, wall-clock times up to the old offset's reading already occurred.
                lowLocal = max(lowLocal, p.at + p.offsetBefore)
            }
            if let local = firstLocalMatch(from: lowLocal, before: transition.map { $0 + offset }, lastYear: lastYear) {
                return Date(timeIntervalSince1970: TimeInterval(local - offset))
            }
            guard let transition else { return nil }
            let newOffset = zoneInfo.offset(at: transition)
            if !firesEveryRealInstant, newOffset > offset,
               firstLocalMatch(from: transition + offset, before: transition + newOffset, lastYear: lastYear) != nil {
                return Date(timeIntervalSince1970: TimeInterval(transition))
            }
            let year = CronCalendar.date(fromDays: CronCalendar.floorDiv(transition + newOffset,
                                                                          CronCalendar.secondsPerDay)).year
            if year > lastYear { return nil }
            previous = (transition, offset)
            t = transition
        }
        return nil
    }

    /// The next `count` fire times (at most `maxUpcoming`), each strictly after the one before.
    public func upcoming(after date: Date, in zone: TimeZone, count: Int) -> [Date] {
        let wanted = min(max(0, count), Self.maxUpcoming)
        var result: [Date] = []
        result.reserveCapacity(min(wanted, 1024))
        var from = date
        while result.count < wanted, let fire = next(after: from, in: zone) {
            result.append(fire)
            from = fire
        }
        return result
    }

    /// The earliest wall-clock minute at or after `low` and before `high` (local seconds) that matches, looking
    /// no further than the end of `lastYear`. Non-matching months, days and hours are skipped whole.
    func firstLocalMatch(from low: Int, before high: Int?, lastYear: Int) -> Int? {
        let aligned = CronCalendar.floorDiv(low + 59, 60) * 60
        let dayCount = CronCalendar.floorDiv(aligned, CronCalendar.secondsPerDay)
        var (year, month, day) = CronCalendar.date(fromDays: dayCount)
        let secondOfDay = aligned - dayCount * CronCalendar.secondsPerDay
        var hour = secondOfDay / 3600
        var minute = (secondOfDay % 3600) / 60
        guard let firstMonth = months.first else { return nil }

        func startOfNextDay(_ nextDay: Int) {
            day = nextDay; hour = 0; minute = 0
        }
        while year <= lastYear {
            if let high, CronCalendar.localSeconds(year: year, month: month, day: day, hour: hour, minute: minute) >= high {
                return nil
            }
            if !months.contains(month) {
                if let m = months.next(from: month + 1) { month = m } else { year += 1; month = firstMonth }
                startOfNextDay(1)
                continue
            }
            if day > CronCalendar.daysInMonth(year: year, month: month) {
                if month == 12 { year += 1; month = 1 } else { month += 1 }
                startOfNextDay(1)
                continue
            }
            let weekday = CronCalendar.weekday(days: CronCalendar.days(year: year, month: month, day: day))
            if !dayMatches(day: day, weekday: weekday) {
                // When both day fields must match, jump straight to the next listed day of the month.
                startOfNextDay(dayFieldsEither ? day + 1 : (daysOfMonth.next(from: day + 1) ?? 32))
                continue
            }
            guard let h = hours.next(from: hour) else { startOfNextDay(day + 1); continue }
            if h != hour { hour = h; minute = 0 }
            guard let m = minutes.next(from: minute) else { hour += 1; minute = 0; continue }
            minute = m
            let local = CronCalendar.localSeconds(year: year, month: month, day: day, hour: hour, minute: minute)
            if let high, local >= high { return nil }
            return local
        }
        return nil
    }
}

/// The offsets and transitions of one time zone, in whole seconds since 1970.
struct ZoneTimeline {
    let zone: TimeZone

    init(_ zone: TimeZone) { self.zone = zone }

    func offset(at instant: Int) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
    }

    /// The first offset change strictly after `instant` (Foundation reports standard-offset changes too).
    func transition(after instant: Int) -> Int? {
        guard let date = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: TimeInterval(instant)))
        else { return nil }
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 300_000_000_000 else { return nil }
        let at = Int(seconds.rounded(.up))
        return at > instant ? at : nil
    }

    /// The latest transition at or before `instant`, if one happened within the two days before it (the only
    /// ones whose skipped or repeated wall-clock times can still matter), with the offset in force before it.
    func lastTransition(atOrBefore instant: Int) -> (at: Int, offsetBefore: Int)? {
        var probe = instant - 2 * CronCalendar.secondsPerDay
        var found: Int? = nil
        while let t = transition(after: probe), t <= instant {
            found = t
            probe = t
        }
        return found.map { ($0, offset(at: $0 - 1)) }
    }
}
