import Foundation

/// ISO 8601 text for fire times: written with the zone's offset, read with `Z` or an offset.
public enum CronFormat {
    /// ISO 8601 with the zone's offset: 2026-03-02T09:00:00+08:00 (a zero offset is written +00:00; an offset
    /// with seconds, as in old local mean times, gets a third part: +08:05:43). Fractions of a second are dropped.
    public static func iso8601(_ date: Date, in zone: TimeZone) -> String {
        let raw = date.timeIntervalSince1970
        guard raw.isFinite, abs(raw) < 250_000_000_000 else { return date.description }
        let offset = zone.secondsFromGMT(for: date)
        let local = Int(raw.rounded(.down)) + offset
        let dayCount = CronCalendar.floorDiv(local, CronCalendar.secondsPerDay)
        let (year, month, day) = CronCalendar.date(fromDays: dayCount)
        let second = local - dayCount * CronCalendar.secondsPerDay
        var text = year < 0 ? "-" + pad(-year, 4) : pad(year, 4)
        text += "-\(pad(month, 2))-\(pad(day, 2))T\(pad(second / 3600, 2)):\(pad(second % 3600 / 60, 2)):\(pad(second % 60, 2))"
        let magnitude = abs(offset)
        text += (offset < 0 ? "-" : "+") + "\(pad(magnitude / 3600, 2)):\(pad(magnitude % 3600 / 60, 2))"
        if magnitude % 60 != 0 { text += ":\(pad(magnitude % 60, 2))" }
        return text
    }

    /// Parses 2026-03-01T00:00:00Z or with an offset (+08:00, +0800, +08); seconds and a fraction are optional,
    /// `T` may be `t` or a space. Nil when invalid, including impossible dates and a missing zone designator
    /// (a time without an offset does not name an instant).
    public static func parseISO8601(_ text: String) -> Date? {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(digits: 4), scanner.skip("-"),
              let month = scanner.number(digits: 2), scanner.skip("-"),
              let day = scanner.number(digits: 2),
              scanner.skip("T") || scanner.skip("t") || scanner.skip(" "),
              let hour = scanner.number(digits: 2), scanner.skip(":"),
              let minute = scanner.number(digits: 2)
        else { return nil }
        var second = 0
        var fraction = 0.0
        if scanner.skip(":") {
            guard let s = scanner.number(digits: 2) else { return nil }
            second = s
            if scanner.skip(".") || scanner.skip(",") {
                var scale = 0.1
                var any = false
                while let digit = scanner.digit() {
                    fraction += Double(digit) * scale
                    scale /= 10
                    any = true
                }
                if !any { return nil }
            }
        }
        guard (1...12).contains(month), (1...CronCalendar.daysInMonth(year: year, month: month)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second)
        else { return nil }

        var offset = 0
        if scanner.skip("Z") || scanner.skip("z") {
            offset = 0
        } else if let sign = scanner.sign() {
            guard let h = scanner.number(digits: 2), h <= 23 else { return nil }
            var m = 0
            if scanner.skip(":") {
                guard let mm = scanner.number(digits: 2) else { return nil }
                m = mm
            } else if let mm = scanner.number(digits: 2) {
                m = mm
            }
            guard m <= 59 else { return nil }
            offset = sign * (h * 3600 + m * 60)
        } else {
            return nil
        }
        guard scanner.atEnd else { return nil }
        let local = CronCalendar.days(year: year, month: month, day: day) * CronCalendar.secondsPerDay
            + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: TimeInterval(local - offset) + fraction)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// A cursor over ASCII bytes for the fixed-width fields of ISO 8601.
private struct DigitScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func skip(_ character: Character) -> Bool {
        guard index < bytes.count, let ascii = character.asciiValue, bytes[index] == ascii else { return false }
        index += 1
        return true
    }

    mutating func digit() -> Int? {
        guard index < bytes.count, (48...57).contains(bytes[index]) else { return nil }
        index += 1
        return Int(bytes[index - 1] - 48)
    }

    /// Exactly `digits` decimal digits, or nil (consuming nothing useful; callers give up on nil).
    mutating func number(digits: Int) -> Int? {
        var value = 0
        for _ in 0..<digits {
            guard let d = digit() else { return nil }
            value = value * 10 + d
        }
        return value
    }

    mutating func sign() -> Int? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }
}
