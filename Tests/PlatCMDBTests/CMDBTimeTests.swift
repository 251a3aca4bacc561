import Foundation
import PlatCMDB
import Testing

/// CMDB timestamps: UTC text that sorts as it reads, parsed and formatted without DateFormatter.
@Suite("CMDB times")
struct CMDBTimeTests {
    @Test("formats instants as UTC text, before 1970 and on leap days too")
    func format() {
        #expect(CMDBTime.format(0) == "1970-01-01T00:00:00Z")
        #expect(CMDBTime.format(-1) == "1969-12-31T23:59:59Z")
        #expect(CMDBTime.format(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(CMDBTime.format(1_772_357_400.9) == "2026-03-01T09:30:00Z")
        #expect(CMDBTime.format(253_402_300_799) == "9999-12-31T23:59:59Z")
    }

    @Test("parses dates, times and offsets, and refuses impossible dates")
    func parse() {
        #expect(CMDBTime.parse("2000-02-29") == 951_782_400)
        #expect(CMDBTime.parse("2026-03-01T09:30:00Z") == 1_772_357_400)
        #expect(CMDBTime.parse("2026-03-01 17:30:00+08:00") == 1_772_357_400)
        #expect(CMDBTime.parse("1969-12-31T23:59:59Z") == -1)
        for bad in ["2023-02-29", "1900-02-29", "2026-13-01", "2026-04-31", "0000-01-01", "2026-03-01T24:00"] {
            #expect(CMDBTime.parse(bad) == nil, "\(bad)")
        }
        // Every day of four centuries goes through text and back.
        var t = CMDBTime.parse("1900-01-01")!
        while t < CMDBTime.parse("2300-01-01")! {
            #expect(CMDBTime.parse(CMDBTime.format(t)) == t)
            t += 86_400
        }
    }
}
