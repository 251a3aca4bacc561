import Foundation
import PlatTestKit
import Testing
@testable import PlatEngine

/// One row of the fire-time table: from `from`, the expression fires at `expected` (ISO 8601 in `zone`).
struct CronCase: Sendable, CustomTestStringConvertible {
    let expression: String
    let zone: String
    let from: String
    let expected: [String]

    init(_ expression: String, _ zone: String, _ from: String, _ expected: [String]) {
        self.expression = expression
        self.zone = zone
        self.from = from
        self.expected = expected
    }

    var testDescription: String { "\(expression) in \(zone) after \(from)" }
}

// 2026 calendar for reading the table: Jan 1 is a Thursday, Mar 1 a Sunday, Apr 1 a Wednesday, Jun 1 a Monday.
// New York: EST→EDT 2026-03-08 02:00 (07:00Z); EDT→EST 2026-11-01 02:00 (06:00Z).
// London: GMT→BST 2026-03-29 01:00 (01:00Z); BST→GMT 2026-10-25 02:00 (01:00Z).
// Lord Howe: +11→+10:30 2026-04-05 02:00 (04-04T15:00Z); +10:30→+11 2026-10-04 02:00 (10-03T15:30Z).
let cronTable: [CronCase] = [
    // The issue's example: platflow schedule next "0 9 * * MON-FRI" --tz Asia/Shanghai --from ... --count 5
    CronCase("0 9 * * MON-FRI", "Asia/Shanghai", "2026-03-01T00:00:00Z", [
        "2026-03-02T09:00:00+08:00", "2026-03-03T09:00:00+08:00", "2026-03-04T09:00:00+08:00",
        "2026-03-05T09:00:00+08:00", "2026-03-06T09:00:00+08:00"]),

    // Basics, strictly-after, year rollover.
    CronCase("* * * * *", "UTC", "2026-01-01T00:00:00Z", ["2026-01-01T00:01:00+00:00", "2026-01-01T00:02:00+00:00"]),
    CronCase("* * * * *", "UTC", "2026-01-01T00:00:30.5Z", ["2026-01-01T00:01:00+00:00"]),
    CronCase("0 0 * * *", "UTC", "2026-12-31T23:59:59Z", ["2027-01-01T00:00:00+00:00", "2027-01-02T00:00:00+00:00"]),
    CronCase("59 23 31 12 *", "UTC", "2026-12-31T23:59:00Z", ["2027-12-31T23:59:00+00:00"]),
    CronCase("0 0 1 1 *", "America/New_York", "2026-12-31T12:00:00Z", ["2027-01-01T00:00:00-05:00"]),
    CronCase("0 0 * * *", "America/New_York", "2027-01-01T04:59:59Z", ["2027-01-01T00:00:00-05:00"]),
    CronCase("30 23 31 12 *", "Europe/London", "2026-12-31T23:30:00Z", ["2027-12-31T23:30:00+00:00"]),
    CronCase("0 0 1 * *", "America/Los_Angeles", "2026-03-01T00:00:00Z", ["2026-03-01T00:00:00-08:00"]),

    // Month ends: 31st skips 30-day months and February; 30th skips February.
    CronCase("0 0 31 * *", "UTC", "2026-01-31T00:00:00Z", [
        "2026-03-31T00:00:00+00:00", "2026-05-31T00:00:00+00:00", "2026-07-31T00:00:00+00:00",
        "2026-08-31T00:00:00+00:00", "2026-10-31T00:00:00+00:00", "2026-12-31T00:00:00+00:00"]),
    CronCase("0 0 30 * *", "UTC", "2026-01-30T12:00:00Z", ["2026-03-30T00:00:00+00:00", "2026-04-30T00:00:00+00:00"]),
    CronCase("0 0 1 * *", "UTC", "2026-01-15T00:00:00Z", ["2026-02-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00"]),
    CronCase("0 0 */7 * *", "UTC", "2026-02-22T00:00:00Z", ["2026-03-01T00:00:00+00:00", "2026-03-08T00:00:00+00:00"]),
    CronCase("0 0 28-31 2 *", "UTC", "2027-01-01T00:00:00Z", [
        "2027-02-28T00:00:00+00:00", "2028-02-28T00:00:00+00:00", "2028-02-29T00:00:00+00:00"]),

    // Leap days.
    CronCase("0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", ["2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"]),
    CronCase("0 0 29 2 *", "America/New_York", "2027-03-01T00:00:00Z", ["2028-02-29T00:00:00-05:00"]),
    CronCase("0 12 29 2 *", "UTC", "2100-01-01T00:00:00Z", ["2104-02-29T12:00:00+00:00"]),
    // `*/3` starts with `*`, so both day fields must match: Feb 29 on a Sunday, Wednesday or Saturday.
    CronCase("0 0 29 2 */3", "UTC", "2026-01-01T00:00:00Z", ["2032-02-29T00:00:00+00:00", "2040-02-29T00:00:00+00:00"]),

    // Day-of-month OR day-of-week when both are restricted; AND when one starts with `*`.
    CronCase("0 0 13 * FRI", "UTC", "2026-04-01T00:00:00Z", [
        "2026-04-03T00:00:00+00:00", "2026-04-10T00:00:00+00:00", "2026-04-13T00:00:00+00:00",
        "2026-04-17T00:00:00+00:00", "2026-04-24T00:00:00+00:00", "2026-05-01T00:00:00+00:00"]),
    CronCase("0 0 1,15 * MON", "UTC", "2026-06-01T00:00:00Z", [
        "2026-06-08T00:00:00+00:00", "2026-06-15T00:00:00+00:00", "2026-06-22T00:00:00+00:00",
        "2026-06-29T00:00:00+00:00", "2026-07-01T00:00:00+00:00", "2026-07-06T00:00:00+00:00"]),
    CronCase("0 0 29 2 MON", "UTC", "2027-02-20T00:00:00Z", [
        "2027-02-22T00:00:00+00:00", "2028-02-07T00:00:00+00:00", "2028-02-14T00:00:00+00:00",
        "2028-02-21T00:00:00+00:00", "2028-02-28T00:00:00+00:00", "2028-02-29T00:00:00+00:00"]),
    CronCase("0 0 31 2 SUN", "UTC", "2026-01-01T00:00:00Z", ["2026-02-01T00:00:00+00:00", "2026-02-08T00:00:00+00:00"]),
    CronCase("0 0 * * MON", "UTC", "2026-06-01T00:00:00Z", ["2026-06-08T00:00:00+00:00", "2026-06-15T00:00:00+00:00"]),
    CronCase("0 0 1-7 * */2", "UTC", "2026-06-01T00:00:00Z", [
        "2026-06-02T00:00:00+00:00", "2026-06-04T00:00:00+00:00", "2026-06-06T00:00:00+00:00",
        "2026-06-07T00:00:00+00:00", "2026-07-02T00:00:00+00:00"]),
    CronCase("0 0 */10 * MON", "UTC", "2026-01-01T00:00:00Z", ["2026-05-11T00:00:00+00:00", "2026-06-01T00:00:00+00:00"]),
    CronCase("0 0 1-31 * MON", "UTC", "2026-06-02T00:00:00Z", ["2026-06-03T00:00:00+00:00", "2026-06-04T00:00:00+00:00"]),

    // Names, case-insensitive, in lists and ranges; 7 is Sunday.
    CronCase("0 9 * JAN,jul sun", "UTC", "2026-01-01T00:00:00Z", ["2026-01-04T09:00:00+00:00", "2026-01-11T09:00:00+00:00"]),
    CronCase("30 6 * * mon-fri", "UTC", "2026-03-06T07:00:00Z", ["2026-03-09T06:30:00+00:00", "2026-03-10T06:30:00+00:00"]),
    CronCase("0 0 1 FEB-APR *", "UTC", "2026-04-01T00:00:00Z", ["2027-02-01T00:00:00+00:00", "2027-03-01T00:00:00+00:00"]),
    CronCase("0 0 * * 7", "UTC", "2026-03-01T00:00:00Z", ["2026-03-08T00:00:00+00:00", "2026-03-15T00:00:00+00:00"]),
    CronCase("0 0 * * 5-7", "UTC", "2026-03-02T00:00:00Z", [
        "2026-03-06T00:00:00+00:00", "2026-03-07T00:00:00+00:00", "2026-03-08T00:00:00+00:00",
        "2026-03-13T00:00:00+00:00"]),
    CronCase("0 12 * Dec Fri", "UTC", "2026-11-30T00:00:00Z", ["2026-12-04T12:00:00+00:00", "2026-12-11T12:00:00+00:00"]),

    // Steps and lists.
    CronCase("*/15 * * * *", "UTC", "2026-01-01T00:07:00Z", [
        "2026-01-01T00:15:00+00:00", "2026-01-01T00:30:00+00:00", "2026-01-01T00:45:00+00:00",
        "2026-01-01T01:00:00+00:00"]),
    CronCase("5-20/5 * * * *", "UTC", "2026-01-01T00:00:00Z", [
        "2026-01-01T00:05:00+00:00", "2026-01-01T00:10:00+00:00", "2026-01-01T00:15:00+00:00",
        "2026-01-01T00:20:00+00:00", "2026-01-01T01:05:00+00:00"]),
    CronCase("10/20 * * * *", "UTC", "2026-01-01T00:00:00Z", [
        "2026-01-01T00:10:00+00:00", "2026-01-01T00:30:00+00:00", "2026-01-01T00:50:00+00:00",
        "2026-01-01T01:10:00+00:00"]),
    CronCase("0 0-23/6 * * *", "UTC", "2026-01-01T00:00:00Z", [
        "2026-01-01T06:00:00+00:00", "2026-01-01T12:00:00+00:00", "2026-01-01T18:00:00+00:00",
        "2026-01-02T00:00:00+00:00"]),
    CronCase("0,30 9-10 * * *", "UTC", "2026-01-01T09:00:00Z", [
        "2026-01-01T09:30:00+00:00", "2026-01-01T10:00:00+00:00", "2026-01-01T10:30:00+00:00",
        "2026-01-02T09:00:00+00:00"]),
    CronCase("0 0 1 */3 *", "UTC", "2026-01-01T00:00:00Z", [
        "2026-04-01T00:00:00+00:00", "2026-07-01T00:00:00+00:00", "2026-10-01T00:00:00+00:00",
        "2027-01-01T00:00:00+00:00"]),
    CronCase("0 8 1,15 * *", "UTC", "2026-01-02T00:00:00Z",
             ["2026-01-15T08:00:00+00:00", "2026-02-01T08:00:00+00:00"]),
    CronCase("0 9-17/4,22 * * 1-5", "UTC", "2026-03-06T16:00:00Z", [
        "2026-03-06T17:00:00+00:00", "2026-03-06T22:00:00+00:00", "2026-03-09T09:00:00+00:00"]),

    // Macros.
    CronCase("@yearly", "UTC", "2026-06-01T00:00:00Z", ["2027-01-01T00:00:00+00:00", "2028-01-01T00:00:00+00:00"]),
    CronCase("@annually", "UTC", "2026-06-01T00:00:00Z", ["2027-01-01T00:00:00+00:00"]),
    CronCase("@monthly", "UTC", "2026-01-31T12:00:00Z", ["2026-02-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00"]),
    CronCase("@weekly", "UTC", "2026-03-02T00:00:00Z", ["2026-03-08T00:00:00+00:00", "2026-03-15T00:00:00+00:00"]),
    CronCase("@daily", "Asia/Shanghai", "2026-03-01T00:00:00Z", ["2026-03-02T00:00:00+08:00"]),
    CronCase("@midnight", "Asia/Shanghai", "2026-03-01T16:00:00Z", ["2026-03-03T00:00:00+08:00"]),
    CronCase("@hourly", "UTC", "2026-01-01T00:30:00Z", ["2026-01-01T01:00:00+00:00", "2026-01-01T02:00:00+00:00"]),
    CronCase("  @DAILY ", "UTC", "2026-01-01T00:30:00Z", ["2026-01-02T00:00:00+00:00"]),

    // Zones without daylight saving, including half- and quarter-hour offsets.
    CronCase("0 0 * * *", "Asia/Shanghai", "2026-03-01T16:00:00Z", ["2026-03-03T00:00:00+08:00"]),
    CronCase("0 9 * * *", "Asia/Kolkata", "2026-01-01T00:00:00Z", ["2026-01-01T09:00:00+05:30"]),
    CronCase("*/30 * * * *", "Asia/Kathmandu", "2026-01-01T00:00:00Z", [
        "2026-01-01T06:00:00+05:45", "2026-01-01T06:30:00+05:45"]),
    CronCase("0 9 * * *", "Europe/London", "2026-01-10T12:00:00Z", ["2026-01-11T09:00:00+00:00"]),
    CronCase("0 9 * * *", "Europe/London", "2026-06-10T12:00:00Z", ["2026-06-11T09:00:00+01:00"]),
    CronCase("0 12 25 12 *", "Pacific/Auckland", "2026-01-01T00:00:00Z", ["2026-12-25T12:00:00+13:00"]),

    // New York, spring forward (02:00-02:59 does not exist on 2026-03-08).
    CronCase("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", [
        "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"]),
    CronCase("0 2 * * *", "America/New_York", "2026-03-08T05:00:00Z", [
        "2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"]),
    CronCase("* 2 * * *", "America/New_York", "2026-03-08T05:00:00Z", [
        "2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00", "2026-03-09T02:01:00-04:00"]),
    CronCase("0 2,3 * * *", "America/New_York", "2026-03-08T05:00:00Z", [
        "2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"]),
    CronCase("45 1 * * *", "America/New_York", "2026-03-08T05:00:00Z", [
        "2026-03-08T01:45:00-05:00", "2026-03-09T01:45:00-04:00"]),
    CronCase("30 2 * * *", "America/New_York", "2026-03-08T06:59:59Z", ["2026-03-08T03:00:00-04:00"]),
    CronCase("30 2 * * *", "America/New_York", "2026-03-08T07:00:00Z", ["2026-03-09T02:30:00-04:00"]),
    CronCase("*/15 * * * *", "America/New_York", "2026-03-08T06:40:00Z", [
        "2026-03-08T01:45:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:15:00-04:00"]),
    CronCase("0 * * * *", "America/New_York", "2026-03-08T05:30:00Z", [
        "2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T04:00:00-04:00"]),
    CronCase("30 * * * *", "America/New_York", "2026-03-08T05:30:00Z", [
        "2026-03-08T01:30:00-05:00", "2026-03-08T03:30:00-04:00"]),

    // New York, fall back (01:00-01:59 happens twice on 2026-11-01: EDT, then EST).
    CronCase("30 1 * * *", "America/New_York", "2026-11-01T04:00:00Z", [
        "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]),
    CronCase("30 1 * * *", "America/New_York", "2026-11-01T05:45:00Z", ["2026-11-02T01:30:00-05:00"]),
    CronCase("30 1 * * *", "America/New_York", "2026-11-01T06:10:00Z", ["2026-11-02T01:30:00-05:00"]),
    CronCase("0 1 * * *", "America/New_York", "2026-11-01T04:00:00Z", [
        "2026-11-01T01:00:00-04:00", "2026-11-02T01:00:00-05:00"]),
    CronCase("*/20 1 * * *", "America/New_York", "2026-11-01T04:00:00Z", [
        "2026-11-01T01:00:00-04:00", "2026-11-01T01:20:00-04:00", "2026-11-01T01:40:00-04:00",
        "2026-11-02T01:00:00-05:00"]),
    CronCase("0 2 * * *", "America/New_York", "2026-11-01T04:00:00Z", ["2026-11-01T02:00:00-05:00"]),
    CronCase("0 * * * *", "America/New_York", "2026-11-01T04:30:00Z", [
        "2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00",
        "2026-11-01T03:00:00-05:00"]),
    CronCase("*/30 * * * *", "America/New_York", "2026-11-01T05:40:00Z", [
        "2026-11-01T01:00:00-05:00", "2026-11-01T01:30:00-05:00", "2026-11-01T02:00:00-05:00"]),

    // London, spring forward (01:00-01:59 missing on 2026-03-29) and fall back (01:00-01:59 twice on 10-25).
    CronCase("30 1 * * *", "Europe/London", "2026-03-28T12:00:00Z", [
        "2026-03-29T02:00:00+01:00", "2026-03-30T01:30:00+01:00"]),
    CronCase("0 * * * *", "Europe/London", "2026-03-28T23:30:00Z", [
        "2026-03-29T00:00:00+00:00", "2026-03-29T02:00:00+01:00", "2026-03-29T03:00:00+01:00"]),
    CronCase("30 1 * * *", "Europe/London", "2026-10-24T23:00:00Z", [
        "2026-10-25T01:30:00+01:00", "2026-10-26T01:30:00+00:00"]),
    CronCase("15 * * * *", "Europe/London", "2026-10-24T23:00:00Z", [
        "2026-10-25T00:15:00+01:00", "2026-10-25T01:15:00+01:00", "2026-10-25T01:15:00+00:00",
        "2026-10-25T02:15:00+00:00"]),
    CronCase("@daily", "Europe/London", "2026-10-24T12:00:00Z", [
        "2026-10-25T00:00:00+01:00", "2026-10-26T00:00:00+00:00"]),

    // Lord Howe: daylight saving moves the clock by 30 minutes.
    CronCase("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00Z", [
        "2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00"]),
    CronCase("*/20 * * * *", "Australia/Lord_Howe", "2026-10-03T15:00:00Z", [
        "2026-10-04T01:40:00+10:30", "2026-10-04T02:40:00+11:00", "2026-10-04T03:00:00+11:00"]),
    CronCase("45 1 * * *", "Australia/Lord_Howe", "2026-04-04T13:00:00Z", [
        "2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"]),
    CronCase("45 * * * *", "Australia/Lord_Howe", "2026-04-04T13:00:00Z", [
        "2026-04-05T00:45:00+11:00", "2026-04-05T01:45:00+11:00", "2026-04-05T01:45:00+10:30",
        "2026-04-05T02:45:00+10:30"]),

    // Sao Paulo's old rules moved the clock at midnight: 2018-11-04 00:00 did not exist.
    CronCase("@daily", "America/Sao_Paulo", "2018-11-03T12:00:00Z", [
        "2018-11-04T01:00:00-02:00", "2018-11-05T00:00:00-02:00"]),
    // Samoa skipped 2011-12-30 entirely: a time named on that day fires when the clock resumes.
    CronCase("0 9 * * *", "Pacific/Apia", "2011-12-29T20:00:00Z", [
        "2011-12-31T00:00:00+14:00", "2011-12-31T09:00:00+14:00"]),
]

@Test(arguments: cronTable)
func cronFireTimes(_ c: CronCase) throws {
    let expression = try CronExpression(c.expression)
    let zone = try #require(TimeZone(identifier: c.zone))
    let from = try #require(CronFormat.parseISO8601(c.from))
    let fires = expression.upcoming(after: from, in: zone, count: c.expected.count)
    #expect(fires.map { CronFormat.iso8601($0, in: zone) } == c.expected)
}

@Test func cronTableIsLargeEnough() {
    #expect(cronTable.count >= 60)
    #expect(cronInvalidTable.count >= 15)
}

let cronInvalidTable: [(String, String)] = [
    ("0 25 * * *", "0 25 * * *: hour 25 out of range 0-23"),
    ("60 * * * *", "60 * * * *: minute 60 out of range 0-59"),
    ("0 0 0 * *", "0 0 0 * *: day-of-month 0 out of range 1-31"),
    ("0 0 * 13 *", "0 0 * 13 *: month 13 out of range 1-12"),
    ("0 0 * * 8", "0 0 * * 8: day-of-week 8 out of range 0-7"),
    ("99999999999999999999 * * * *",
     "99999999999999999999 * * * *: minute 99999999999999999999 out of range 0-59"),
    ("0 0 * * * *", "0 0 * * * *: expected 5 fields (minute hour day-of-month month day-of-week), got 6; "
        + "seconds and year fields are not supported"),
    ("0 0 * *", "0 0 * *: expected 5 fields (minute hour day-of-month month day-of-week), got 4"),
    ("   ", "empty cron expression; expected 5 fields (minute hour day-of-month month day-of-week) "
        + "or a macro such as @daily"),
    ("*/0 * * * *", "*/0 * * * *: step 0 in minute"),
    ("*/60 * * * *", "*/60 * * * *: step 60 in minute out of range 1-59"),
    ("*/x * * * *", "*/x * * * *: step 'x' in minute is not a number"),
    ("*/ * * * *", "*/ * * * *: missing step after '/' in minute '*/'"),
    ("/5 * * * *", "/5 * * * *: missing value before '/' in minute '/5'"),
    ("0 0 1 1/2/3 *", "0 0 1 1/2/3 *: month '1/2/3' has more than one '/'"),
    ("0 0 5-1 * *", "0 0 5-1 * *: range 5-1 in day-of-month is reversed; to wrap around, list both parts: 5-31,1"),
    ("0 22-2 * * *", "0 22-2 * * *: range 22-2 in hour is reversed; to wrap around, list both parts: 22-23,0-2"),
    ("0 0 * * SAT-SUN",
     "0 0 * * SAT-SUN: range SAT-SUN in day-of-week is reversed; to wrap around, list both parts: 6,0"),
    ("0 0 1 JNU *", "0 0 1 JNU *: unknown month name 'JNU'; did you mean JUN?"),
    ("0 0 * * MOM", "0 0 * * MOM: unknown day-of-week name 'MOM'; did you mean MON?"),
    ("0 0 * * Funday", "0 0 * * Funday: unknown day-of-week name 'Funday'"),
    ("1,,2 * * * *", "1,,2 * * * *: empty item in minute list '1,,2'"),
    ("0 0 * * 1,", "0 0 * * 1,: empty item in day-of-week list '1,'"),
    ("abc * * * *", "abc * * * *: minute 'abc' is not a number"),
    ("0 MON * * *", "0 MON * * *: hour 'MON' is not a number"),
    ("0 0 * 1x *", "0 0 * 1x *: month '1x' is not a number or month name (JAN...)"),
    ("1-2-3 * * * *", "1-2-3 * * * *: minute '1-2-3' is not a value or a range a-b"),
    ("-5 * * * *", "-5 * * * *: minute '-5' is not a value or a range a-b"),
    ("*-5 * * * *", "*-5 * * * *: minute '*-5' is not valid; '*' stands alone or takes a step, as in */5"),
    ("0 0 L * *", "0 0 L * *: day-of-month 'L' is not supported; Quartz extensions L, W and # are not part of "
        + "standard cron"),
    ("0 0 * * 5#3", "0 0 * * 5#3: day-of-week '5#3' is not supported; Quartz extensions L, W and # are not part "
        + "of standard cron"),
    ("0 0 ? * MON", "0 0 ? * MON: day-of-month '?' is not supported; use '*' for any"),
    ("0 0 30 2 *", "0 0 30 2 *: day-of-month 30 never occurs in February, so the expression would never fire"),
    ("0 0 31 4,6,9,11 *", "0 0 31 4,6,9,11 *: day-of-month 31 never occurs in April, June, September or November, "
        + "so the expression would never fire"),
    ("0 0 30,31 FEB *", "0 0 30,31 FEB *: day-of-month 30,31 never occurs in February, so the expression would "
        + "never fire"),
    ("0 0 30 2 */2", "0 0 30 2 */2: day-of-month 30 never occurs in February, so the expression would never fire"),
    ("@dialy", "@dialy: unknown macro '@dialy'; did you mean @daily? (known: @yearly @annually @monthly @weekly "
        + "@daily @midnight @hourly)"),
    ("@reboot", "@reboot: @reboot is not supported: a schedule needs times to fire at"),
    ("@daily now", "@daily now: a macro stands alone; unexpected 'now' after @daily"),
]

@Test func cronInvalidExpressions() {
    for (text, message) in cronInvalidTable {
        do {
            let parsed = try CronExpression(text)
            Issue.record("\(text) parsed as \(parsed), expected: \(message)")
        } catch let error as CronError {
            #expect(error.description == message, "for \(text)")
        } catch {
            Issue.record("\(text) threw \(error)")
        }
    }
}

@Test func cronErrorsNameTheField() throws {
    func field(_ text: String) -> String?? {
        do { _ = try CronExpression(text); return .none } catch let e as CronError { return .some(e.field) } catch {
            return .none
        }
    }
    #expect(field("0 25 * * *") == .some("hour"))
    #expect(field("0 0 30 2 *") == .some("day-of-month"))
    #expect(field("0 0 * JNU *") == .some("month"))
    #expect(field("0 0 * * 9") == .some("day-of-week"))
    #expect(field("*/0 * * * *") == .some("minute"))
    #expect(field("0 0 * *") == .some(nil))
    #expect(field("@nope") == .some(nil))
    let error = CronError(expression: "0 25 * * *", field: "hour", reason: "hour 25 out of range 0-23")
    #expect(error == CronError(expression: "0 25 * * *", field: "hour", reason: "hour 25 out of range 0-23"))
}

@Test func cronSpellingsThatMeanTheSame() throws {
    func same(_ a: String, _ b: String) throws {
        let x = try CronExpression(a), y = try CronExpression(b)
        #expect(x.minutes == y.minutes && x.hours == y.hours && x.daysOfMonth == y.daysOfMonth
            && x.months == y.months && x.daysOfWeek == y.daysOfWeek && x.dayFieldsEither == y.dayFieldsEither,
            "\(a) vs \(b)")
    }
    try same("0 9 * * MON-FRI", "0 9 * * 1-5")
    try same("0 9 * * mon-fri", "0 9 * * Mon,Tue,Wed,Thu,Fri")
    try same("0 0 * * 7", "0 0 * * 0")
    try same("0 0 * * SUN", "0 0 * * 7")
    try same("0 0 1 jan-mar *", "0 0 1 1,2,3 *")
    try same("@weekly", "0 0 * * 0")
    try same("*/20 * * * *", "0,20,40 * * * *")
    try same("0 0 * * 0-7", "0 0 * * *")
    try same("10/20 * * * *", "10-59/20 * * * *")
    #expect(try CronExpression(" 0 9\t* * 1 ").source == "0 9\t* * 1")
    #expect(try CronExpression("@daily").description == "@daily")
    // The day rule: OR only when neither day field starts with `*`.
    #expect(try CronExpression("0 0 1 * MON").dayFieldsEither)
    #expect(try !CronExpression("0 0 */1 * MON").dayFieldsEither)
    #expect(try CronExpression("0 0 1-31 * MON").dayFieldsEither)
}

@Test func cronEdgesOfTime() throws {
    let utc = try #require(TimeZone(identifier: "UTC"))
    let every = try CronExpression("* * * * *")
    #expect(every.next(after: Date(timeIntervalSince1970: .nan), in: utc) == nil)
    #expect(every.next(after: Date(timeIntervalSince1970: .infinity), in: utc) == nil)
    #expect(every.next(after: Date(timeIntervalSince1970: 1e12), in: utc) == nil)
    #expect(every.next(after: .distantFuture, in: utc) != nil)
    #expect(every.next(after: .distantPast, in: utc) != nil)
    let lateStart = try #require(CronFormat.parseISO8601("9999-06-01T00:00:00Z"))
    #expect(try CronExpression("0 0 1 1 *").next(after: lateStart, in: utc) == nil)
    #expect(every.upcoming(after: lateStart, in: utc, count: 0).isEmpty)
    #expect(every.upcoming(after: lateStart, in: utc, count: -3).isEmpty)
    #expect(every.upcoming(after: lateStart, in: utc, count: Int.max).count == CronExpression.maxUpcoming)
}

/// The leap-day expression is found by skipping months, not by stepping through minutes.
@Test func cronNextIsFast() throws {
    let expression = try CronExpression("0 0 29 2 *")
    let zone = try #require(TimeZone(identifier: "America/New_York"))
    let from = try #require(CronFormat.parseISO8601("2027-03-01T00:00:00Z"))
    // The best of several batches, so a busy machine running other tests in parallel does not fail this.
    var best = Duration.seconds(1)
    var found: Date? = nil
    for _ in 0..<5 {
        let elapsed = ContinuousClock().measure {
            for _ in 0..<200 { found = expression.next(after: from, in: zone) }
        }
        best = min(best, elapsed / 200)
    }
    #expect(found.map { CronFormat.iso8601($0, in: zone) } == "2028-02-29T00:00:00-05:00")
    // About 10 microseconds in a debug build, a few in release.
    #expect(best < .milliseconds(1), "\(best) per call")
}

@Test func cronISO8601() throws {
    let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
    let date = try #require(CronFormat.parseISO8601("2026-03-01T00:00:00Z"))
    #expect(date.timeIntervalSince1970 == 1_772_323_200)
    #expect(CronFormat.iso8601(date, in: shanghai) == "2026-03-01T08:00:00+08:00")
    #expect(CronFormat.parseISO8601("2026-03-01T08:00:00+08:00") == date)
    #expect(CronFormat.parseISO8601("2026-03-01T08:00:00+0800") == date)
    #expect(CronFormat.parseISO8601("2026-03-01t08:00+08") == date)
    #expect(CronFormat.parseISO8601("2026-02-28T19:00:00-05:00") == date)
    #expect(CronFormat.parseISO8601("2026-03-01 00:00:00.250Z")?.timeIntervalSince1970 == 1_772_323_200.25)
    #expect(CronFormat.iso8601(Date(timeIntervalSince1970: 1_772_323_200.75), in: shanghai)
        == "2026-03-01T08:00:00+08:00")
    let kathmandu = try #require(TimeZone(identifier: "Asia/Kathmandu"))
    #expect(CronFormat.iso8601(date, in: kathmandu) == "2026-03-01T05:45:00+05:45")
    let newYork = try #require(TimeZone(identifier: "America/New_York"))
    #expect(CronFormat.iso8601(date, in: newYork) == "2026-02-28T19:00:00-05:00")
    // Old local mean time has seconds in its offset.
    let old = try #require(CronFormat.parseISO8601("1900-01-01T00:00:00Z"))
    #expect(CronFormat.iso8601(old, in: shanghai) == "1900-01-01T08:05:43+08:05:43")
    for bad in ["", "2026-03-01", "2026-03-01T00:00:00", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
                "2026-03-01T24:00:00Z", "2026-03-01T00:60:00Z", "2026-03-01T00:00:60Z", "2026-3-1T00:00:00Z",
                "2026-03-01T00:00:00+8", "2026-03-01T00:00:00+08:0", "2026-03-01T00:00:00Zjunk",
                "2026-03-01T00:00:00.Z", "2026-03-01T00:00:00+24:00", "２０２６-03-01T00:00:00Z"] {
        #expect(CronFormat.parseISO8601(bad) == nil, "\(bad)")
    }
}

// MARK: - A brute-force oracle for daylight-saving behaviour

/// Wall-clock readings of every real minute from two days before `from` through `end`, from Foundation's
/// `Calendar` (independent of the implementation's own calendar arithmetic), as (instant, local seconds).
private func wallClock(zone: TimeZone, from: Int, through end: Int) -> [(instant: Int, local: Int)] {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    var readings: [(instant: Int, local: Int)] = []
    // Start two days early so wall-clock times that already happened are known.
    var instant = (from - 2 * 86_400) / 60 * 60
    while instant <= end {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute],
                                            from: Date(timeIntervalSince1970: TimeInterval(instant)))
        let local = CronCalendar.localSeconds(year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0,
                                              hour: parts.hour ?? 0, minute: parts.minute ?? 0)
        readings.append((instant, local))
        instant += 60
    }
    return readings
}

/// Applies the documented policy literally, one real minute at a time: expressions whose hour starts with `*`
/// fire at every matching real minute; others fire at the first occurrence of a matching wall-clock minute, and
/// once at the first minute after a gap that swallowed matching wall-clock minutes.
private func oracleFires(_ expression: CronExpression, readings: [(instant: Int, local: Int)]) -> [Int] {
    func matches(_ key: Int) -> Bool {
        let days = CronCalendar.floorDiv(key, 86_400)
        let (y, m, d) = CronCalendar.date(fromDays: days)
        let second = key - days * 86_400
        return expression.matches(year: y, month: m, day: d, hour: second / 3600, minute: second % 3600 / 60)
    }
    var fires: [Int] = []
    var seen = Set<Int>()
    var previousKey: Int? = nil
    for (instant, key) in readings {
        var fire = false
        if expression.firesEveryRealInstant {
            fire = matches(key)
        } else {
            if matches(key) && !seen.contains(key) { fire = true }
            if let p = previousKey, key - p > 60 {
                var skipped = p + 60
                while skipped < key && !fire {
                    if matches(skipped) { fire = true }
                    skipped += 60
                }
            }
            seen.insert(key)
        }
        if fire { fires.append(instant) }
        previousKey = key
    }
    return fires
}

struct OracleWindow: Sendable, CustomTestStringConvertible {
    let zone: String
    let start: String
    var testDescription: String { "\(zone) from \(start)" }
}

@Test(arguments: [
    OracleWindow(zone: "America/New_York", start: "2026-03-07T00:00:00Z"),
    OracleWindow(zone: "America/New_York", start: "2026-10-31T00:00:00Z"),
    OracleWindow(zone: "Europe/London", start: "2026-03-28T00:00:00Z"),
    OracleWindow(zone: "Europe/London", start: "2026-10-24T00:00:00Z"),
    OracleWindow(zone: "Australia/Lord_Howe", start: "2026-04-03T12:00:00Z"),
    OracleWindow(zone: "Australia/Lord_Howe", start: "2026-10-02T12:00:00Z"),
    OracleWindow(zone: "America/Sao_Paulo", start: "2018-11-03T00:00:00Z"),
    OracleWindow(zone: "America/Sao_Paulo", start: "2019-02-16T00:00:00Z"),
    OracleWindow(zone: "Pacific/Chatham", start: "2026-04-03T12:00:00Z"),
    OracleWindow(zone: "Pacific/Apia", start: "2011-12-28T12:00:00Z"),
    OracleWindow(zone: "Asia/Shanghai", start: "2026-03-01T00:00:00Z"),
])
func cronAgreesWithBruteForce(_ window: OracleWindow) throws {
    let zone = try #require(TimeZone(identifier: window.zone))
    let start = Int(try #require(CronFormat.parseISO8601(window.start)).timeIntervalSince1970)
    let end = start + 3 * 86_400
    let readings = wallClock(zone: zone, from: start, through: end)
    let expressions = [
        "* * * * *", "*/15 * * * *", "0 * * * *", "30 * * * *", "*/7 * * * *", "0 */2 * * *", "45 * * * *",
        "30 2 * * *", "0 2 * * *", "* 2 * * *", "*/20 1 * * *", "30 1 * * *", "0 1-3 * * *", "0,30 0-4 * * *",
        "15 2,3 * * *", "45 1 * * *", "0 0 * * *", "30 0 * * *", "59 23 * * *", "30 23 * * *", "0 12 * * SUN",
        "0 3 * * *", "0 9 * * *",
    ]
    for text in expressions {
        let expression = try CronExpression(text)
        let all = oracleFires(expression, readings: readings)
        let expected = all.filter { $0 > start }
        let got = expression.upcoming(after: Date(timeIntervalSince1970: TimeInterval(start)), in: zone,
                                      count: expected.count).map { Int($0.timeIntervalSince1970) }
        #expect(got == expected, "\(text) in \(window.zone)")
        // From every fire and just before it, the next fire is the oracle's.
        for (i, fire) in expected.enumerated() {
            let before = expression.next(after: Date(timeIntervalSince1970: TimeInterval(fire) - 0.5), in: zone)
            #expect(before.map { Int($0.timeIntervalSince1970) } == fire, "\(text) just before \(fire)")
            if i + 1 < expected.count {
                let after = expression.next(after: Date(timeIntervalSince1970: TimeInterval(fire)), in: zone)
                #expect(after.map { Int($0.timeIntervalSince1970) } == expected[i + 1], "\(text) after \(fire)")
            }
        }
        // From instants spread across the window (some inside repeated hours); the oracle's verdict on a minute
        // does not depend on where a search starts, so the answer is its first fire after that instant.
        var from = start
        while from < end - 86_400 {
            if let want = expected.first(where: { $0 > from }) {
                let got = expression.next(after: Date(timeIntervalSince1970: TimeInterval(from)), in: zone)
                #expect(got.map { Int($0.timeIntervalSince1970) } == want, "\(text) after \(from)")
            }
            from += 7 * 60 + 13
        }
    }
}


/// Random valid expressions agree with the oracle around both New York transitions and in Lord Howe.
@Test func cronRandomExpressionsAgreeWithBruteForce() throws {
    var rng = SeededRandom(seed: 2026)
    let minuteChoices = ["*", "0", "30", "*/15", "*/7", "5-20/5", "0,45", "59", "10/25"]
    let hourChoices = ["*", "1", "2", "0-3", "*/2", "1,2", "2-4/2", "23", "*/5"]
    let domChoices = ["*", "1", "1-7", "*/2", "31", "15-31", "1,8"]
    let monthChoices = ["*", "MAR", "NOV", "APR,OCT", "*/2", "1-12"]
    let dowChoices = ["*", "SUN", "MON-FRI", "0,6", "*/3", "7"]
    let windows = [("America/New_York", "2026-03-06T00:00:00Z"), ("America/New_York", "2026-10-30T00:00:00Z"),
                   ("Australia/Lord_Howe", "2026-04-03T00:00:00Z"), ("Europe/London", "2026-10-23T00:00:00Z")]
    var compared = 0
    for (zoneName, startText) in windows {
        let zone = try #require(TimeZone(identifier: zoneName))
        let start = Int(try #require(CronFormat.parseISO8601(startText)).timeIntervalSince1970)
        let readings = wallClock(zone: zone, from: start, through: start + 4 * 86_400)
        for _ in 0..<60 {
            let text = [minuteChoices, hourChoices, domChoices, monthChoices, dowChoices]
                .map { $0.randomElement(using: &rng) ?? "*" }.joined(separator: " ")
            guard let expression = try? CronExpression(text) else { continue }
            let expected = oracleFires(expression, readings: readings).filter { $0 > start }
            let got = expression.upcoming(after: Date(timeIntervalSince1970: TimeInterval(start)), in: zone,
                                          count: expected.count).map { Int($0.timeIntervalSince1970) }
            #expect(got == expected, "\(text) in \(zoneName)")
            compared += 1
        }
    }
    #expect(compared > 200)
}

/// Garbage never crashes or hangs the parser; whatever parses can be evaluated.
@Test func cronFuzzedTextIsRejectedOrEvaluated() throws {
    var rng = SeededRandom(seed: 7)
    let alphabet = Array("0123456789*/-,* * *  LW#?@JANFEBMONSUNdailyé\t")
    let zone = try #require(TimeZone(identifier: "Europe/London"))
    let from = Date(timeIntervalSince1970: 1_772_323_200)
    for _ in 0..<3000 {
        let length = Int.random(in: 0...24, using: &rng)
        let text = String((0..<length).map { _ in alphabet.randomElement(using: &rng) ?? " " })
        do {
            let expression = try CronExpression(text)
            #expect(expression.upcoming(after: from, in: zone, count: 3).count == 3, "\(text)")
        } catch let error as CronError {
            #expect(!error.reason.isEmpty)
        }
    }
}
