import Foundation
@testable import PlatCMDB
import Testing

@Suite("the filter language: operators, precedence, case rules, errors, IP ranges")
struct FilterTests {
    /// Six hosts with varied fields; web-1 and web-2 are in shop/web/nginx, db-1 in shop/db/mysql.
    func fleet(_ t: TestCMDB) throws {
        try t.cmdb.addAttribute(model: "host", CMDB.parseAttribute("env:enum(prod,test)"))
        try t.cmdb.addAttribute(model: "host", CMDB.parseAttribute("tags:list"))
        try t.add("inner_ip=10.0.0.1", "hostname=web-1", "city=sh", "sla=3", "env=prod", "os_name=Ubuntu", "operator=alice,bob", "tags=edge,https")
        try t.add("inner_ip=10.0.0.2", "hostname=web-2", "city=bj", "sla=2", "env=prod", "os_name=ubuntu", "operator=bob")
        try t.add("inner_ip=10.0.1.1", "hostname=db-1", "city=sh", "sla=1", "env=test", "os_name=CentOS", "comment=primary *db*")
        try t.add("inner_ip=192.168.1.9", "outer_ip=54.0.0.1", "hostname=gw", "city=gz", "transport=ssh")
        try t.add("inner_ip=2001:db8::10", "hostname=v6-a", "city=sh", "sla=2")
        try t.add("inner_ip=2001:db8:1::10", "hostname=v6-b")
        try t.cmdb.addBiz("shop")
        try t.cmdb.addSet(biz: "shop", "web")
        try t.cmdb.addModule(biz: "shop", set: "web", "nginx")
        try t.cmdb.addSet(biz: "shop", "db")
        try t.cmdb.addModule(biz: "shop", set: "db", "mysql")
        try t.cmdb.transfer(hostIDs: [1, 2], to: .modules(["shop/web/nginx"]))
        try t.cmdb.transfer(hostIDs: [3], to: .modules(["shop/db/mysql"]))
    }

    func names(_ t: TestCMDB, _ filter: String, vars: [String: FilterVariable] = [:]) throws -> [String] {
        try t.cmdb.hosts(where: filter, variables: vars).map(\.displayName)
    }

    @Test("comparisons, in, not in, exists and topology")
    func operators() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try fleet(t)
        #expect(try names(t, #"city == "sh""#) == ["web-1", "db-1", "v6-a"])
        #expect(try names(t, #"city != "sh""#) == ["web-2", "gw", "v6-b"])
        #expect(try names(t, "sla >= 2") == ["web-1", "web-2", "v6-a"])
        #expect(try names(t, "sla < 2") == ["db-1"])
        #expect(try names(t, #"city in ["bj", "gz"]"#) == ["web-2", "gw"])
        #expect(try names(t, #"city not in ["bj", "gz"]"#) == ["web-1", "db-1", "v6-a", "v6-b"])
        #expect(try names(t, "sla exists") == ["web-1", "web-2", "db-1", "v6-a"])
        #expect(try names(t, "sla not exists") == ["gw", "v6-b"])
        #expect(try names(t, #"env == "prod""#) == ["web-1", "web-2"])
        #expect(try names(t, #"operator == "bob""#) == ["web-1", "web-2"])
        #expect(try names(t, #"operator in ["alice"]"#) == ["web-1"])
        #expect(try names(t, #"tags == "https""#) == ["web-1"])
        #expect(try names(t, #"module == "nginx""#) == ["web-1", "web-2"])
        #expect(try names(t, #"set == "db""#) == ["db-1"])
        #expect(try names(t, #"biz == "shop""#) == ["web-1", "web-2", "db-1"])
        #expect(try names(t, #"biz != "shop""#) == ["gw", "v6-a", "v6-b"])
        #expect(try names(t, #"module != "nginx""#) == ["db-1", "gw", "v6-a", "v6-b"])
        #expect(try names(t, "biz exists") == ["web-1", "web-2", "db-1"])
        #expect(try names(t, #"transport == "ssh""#) == ["gw"])
        #expect(try names(t, #"created_at >= "2027-01-15""#).count == 6)
        #expect(try names(t, "id in [1, 3]") == ["web-1", "db-1"])
    }

    @Test("text operators and their case rules")
    func caseRules() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try fleet(t)
        #expect(try names(t, #"os_name == "ubuntu""#) == ["web-2"])
        #expect(try names(t, #"os_name contains "UBUN""#) == ["web-1", "web-2"])
        #expect(try names(t, #"os_name contains_s "Ubun""#) == ["web-1"])
        #expect(try names(t, #"hostname starts_with "web-""#) == ["web-1", "web-2"])
        #expect(try names(t, #"hostname ends_with "-1""#) == ["web-1", "db-1"])
        #expect(try names(t, #"hostname ~ "v6-?""#) == ["v6-a", "v6-b"])
        #expect(try names(t, #"hostname ~ "WEB*""#) == [])
        // Glob characters in starts_with/ends_with/contains are plain text.
        #expect(try names(t, #"comment ends_with "*db*""#) == ["db-1"])
        #expect(try names(t, #"comment starts_with "*""#) == [])
        #expect(try names(t, #"operator starts_with "al""#) == ["web-1"])
        #expect(try names(t, #"tags ~ "ed*""#) == ["web-1"])
        #expect(try names(t, #"tags ~ "*s""#) == ["web-1"])
        #expect(try names(t, #"inner_ip starts_with "10.0.""#) == ["web-1", "web-2", "db-1"])
        // Keywords are case-insensitive; field names are not.
        #expect(try names(t, #"city == "sh" AND NOT sla == 3"#) == ["db-1", "v6-a"])
    }

    @Test("precedence: not binds tighter than and, and tighter than or; parentheses regroup")
    func precedence() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try fleet(t)
        #expect(try names(t, #"city == "bj" or city == "sh" and sla == 1"#) == ["web-2", "db-1"])
        #expect(try names(t, #"(city == "bj" or city == "sh") and sla == 1"#) == ["db-1"])
        #expect(try names(t, #"not city == "sh" and sla exists"#) == ["web-2"])
        #expect(try names(t, #"not (city == "sh" and sla exists)"#) == ["web-2", "gw", "v6-b"])
        // Two-valued logic: a missing value fails a comparison, so its negation holds.
        #expect(try names(t, "not (sla > 1)") == ["db-1", "gw", "v6-b"])
        #expect(try names(t, "not not sla == 3") == ["web-1"])
        #expect(try names(t, #"not (env == "prod" or env == "test")"#) == ["gw", "v6-a", "v6-b"])
    }

    @Test("IP queries: exact, lists, CIDR, IPv4 and IPv6")
    func ips() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try fleet(t)
        #expect(try names(t, #"inner_ip == "10.0.0.2""#) == ["web-2"])
        #expect(try names(t, #"inner_ip == "10.0.0.0/24""#) == ["web-1", "web-2"])
        #expect(try names(t, #"inner_ip in ["10.0.1.0/24", "192.168.1.9"]"#) == ["db-1", "gw"])
        #expect(try names(t, #"inner_ip not in ["10.0.0.0/8"]"#) == ["gw", "v6-a", "v6-b"])
        #expect(try names(t, #"inner_ip == "2001:db8::/48""#) == ["v6-a"])
        #expect(try names(t, #"inner_ip == "2001:db8::/32""#) == ["v6-a", "v6-b"])
        #expect(try names(t, #"inner_ip == "54.0.0.1""#) == [])
        #expect(try names(t, #"ip == "54.0.0.1""#) == ["gw"])
        #expect(try names(t, #"outer_ip exists"#) == ["gw"])

        let byIP = try t.cmdb.hosts(byIP: ["10.0.0.0/30,54.0.0.1", "2001:DB8:0::10"])
        #expect(byIP.map(\.host.displayName) == ["web-1", "web-2", "gw", "v6-a"])
        #expect(byIP[2].matched == ["outer 54.0.0.1"])
        #expect(byIP[3].matched == ["inner 2001:db8::10"])
        #expect(cmdbError { _ = try t.cmdb.hosts(byIP: ["10.0.0.0/33"]) }?.kind == .invalid)
        #expect(IPRange("10.1.2.3/16")?.text == "10.1.0.0/16")
    }

    @Test("bad filters fail with the column and a hint", arguments: [
        (#"cty == "sh""#, "unknown field 'cty' (filter column 1)", "did you mean 'city'?"),
        (#"city == sh"#, "expected a value, found the bare word 'sh' (filter column 9)", "quote text: \"sh\""),
        (#"sla >= "high""#, "sla is an int; \"high\" is a string (filter column 8)", nil),
        (#"hostname == 12"#, "hostname is a string; 12 is an int (filter column 13)", "text values are quoted (quote it: \"12\")"),
        (#"env == "prd""#, "'prd' is not a value of env (filter column 8)", "did you mean 'prod'?"),
        (#"city contain "x""#, "'contain' is not an operator (filter column 6)", "did you mean 'contains'?"),
        (#"city = "sh""#, "'=' is not an operator (filter column 6)", "compare with =="),
        (#"(city == "sh""#, "expected ')' to close the '(' at column 1, found the end of the filter (filter column 14)", nil),
        (#"city == "sh" sla == 1"#, "unexpected 'sla' after a complete condition (filter column 14)", "join conditions with and / or"),
        (#"sla contains "1""#, "contains applies to text; sla is an int (filter column 1)", "compare numbers with == < <= > >="),
        (#"operator > "a""#, "> compares single values; operator is a list (filter column 1)", "use ==, in or contains"),
        (#"inner_ip == "10.0.0""#, "'10.0.0' is not an IP address or CIDR range (filter column 13)", nil),
        (#"city in "sh""#, "in and not in take a list (filter column 9)", "write [\"a\", \"b\"]"),
        (#"city == "sh"#, "this string is not closed (filter column 9)", "add the closing \""),
        ("", "the filter is empty (filter column 1)", nil),
        (#"env == $env"#, "the variable $env has no value (filter column 8)", nil),
    ])
    func badFilters(_ filter: String, _ message: String, _ hint: String?) throws {
        let t = try TestCMDB(); defer { t.remove() }
        try fleet(t)
        do {
            _ = try FilterCompiler.compile(filter, catalog: try t.cmdb.hostCatalog())
            Issue.record("expected an error for \(filter)")
        } catch let e as FilterError {
            #expect(e.description.hasPrefix(message), "\(e)")
            if let hint { #expect(e.hint == hint) }
        }
    }

    @Test("the error shows the filter with a caret under the column")
    func caret() throws {
        let t = try TestCMDB(); defer { t.remove() }
        do {
            _ = try t.cmdb.hosts(where: #"sla >= 2 and cty == "sh""#)
            Issue.record("no error")
        } catch let e as FilterError {
            #expect(e.description == """
                unknown field 'cty' (filter column 14)
                    sla >= 2 and cty == "sh"
                                 ^
                hint: did you mean 'city'?
                """)
        }
    }

    @Test("values are bound, never spliced into the SQL")
    func parameterised() throws {
        let t = try TestCMDB(); defer { t.remove() }
        try fleet(t)
        let evil = #"x' OR 1=1 --"#
        let c = try FilterCompiler.compile("city == \"\(evil)\" or hostname ~ \"\(evil)\" or env == $e",
                                           catalog: try t.cmdb.hostCatalog(), variables: ["e": .text("prod")])
        #expect(!c.sql.contains("OR 1=1"))
        #expect(c.args.contains(.text(evil)))
        #expect(try names(t, "city == \"\(evil)\"") == [])
    }

    @Test("hostile filters end in errors, not crashes")
    func hostile() throws {
        let t = try TestCMDB(); defer { t.remove() }
        let deep = String(repeating: "(", count: 10_000) + "sla == 1" + String(repeating: ")", count: 10_000)
        #expect(throws: FilterError.self) { _ = try t.cmdb.hosts(where: deep) }
        let nots = String(repeating: "not ", count: 10_000) + "sla == 1"
        #expect(throws: FilterError.self) { _ = try t.cmdb.hosts(where: nots) }
        for junk in ["\"", "[", "$", "sla == [", "sla in [1,", "sla in []", "and", "not", "sla ==", "== 1", "1e999 == 1", "sla == 1e999",
                     "city == \"\\q\"", "city ~", "sla == -", "\u{0}", "ü == 1"] {
            #expect(throws: FilterError.self, "\(junk)") { _ = try t.cmdb.hosts(where: junk) }
        }
    }
}
