import Foundation
import Testing

/// What an SRE expects from day one: explain with the CMDB's hosts, bound filter values, who approves, one
/// database per project, live output, rollout hooks and the small commands scripts need.
@Suite("operator day one")
struct OperatorDayOneTests {
    func json(_ r: CLIResult) -> Any? { try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) }

    /// Four hosts: three in city sh, one in bj.
    func addHosts(_ cli: CLI) throws {
        for i in 1...4 {
            expectExit(try cli.run(["cmdb", "host", "add", "inner_ip=10.0.0.\(i)", "hostname=web-0\(i)",
                                    "city=\(i == 4 ? "bj" : "sh")"]), 0)
        }
    }

    @Test("--explain reads the CMDB and shows the hosts each step would touch; it records nothing")
    func explainReadsTheCMDB() throws {
        try CLI.with { cli in
            try addHosts(cli)
            try cli.write("p.plat", """
                plan main() {
                    let web = cmdb.hosts(where: "city == \\"sh\\"")
                    step "restart" {
                        assert len(web) == 3, "three hosts"
                        sh(web, "systemctl restart nginx", rolling: "1 100%")
                    }
                }
                """)
            let r = try cli.run(["run", "p.plat", "--explain"])
            expectExit(r, 0)
            #expect(r.stdout.contains("cmdb.hosts(where: \"city == \\\"sh\\\"\") reads 3 hosts: web-01, web-02, web-03"), "\(r)")
            #expect(r.stdout.contains("batch 1/2 (1 host): web-01"), "\(r)")
            #expect(r.stdout.contains("batch 2/2 (2 hosts): web-02, web-03"), "\(r)")
            let runs = try cli.run(["runs", "--json"])
            #expect((json(runs) as? [Any])?.isEmpty == true, "explain recorded a run: \(runs)")
        }
    }
}

extension OperatorDayOneTests {
    @Test("cmdb.hosts(where:, vars:) binds values: a parameter holding filter syntax selects nothing")
    func boundFilterValues() throws {
        try CLI.with { cli in
            try addHosts(cli)
            try cli.write("q.plat", """
                plan main(city: string) {
                    let web = cmdb.hosts(where: "city == $city", vars: {city: city})
                    var names = []
                    for h in web { names.append(h.name) }
                    print(len(web), names)
                }
                """)
            let sh = try cli.run(["run", "q.plat", "-p", "city=sh", "-q"])
            expectExit(sh, 0)
            #expect(sh.stdout == "3 [\"web-01\", \"web-02\", \"web-03\"]\n", "\(sh)")
            // Spliced into the filter text, this would select every host.
            let injected = try cli.run(["run", "q.plat", "-p", "city=gz\" or hostname exists or city == \"", "-q"])
            expectExit(injected, 0)
            #expect(injected.stdout == "0 []\n", "\(injected)")
            try cli.write("r.plat", """
                plan main() { print(len(cmdb.hosts(where: "city in $cities", vars: {cities: ["sh", "bj"]}))) }
                """)
            let list = try cli.run(["run", "r.plat", "-q"])
            #expect(list.stdout == "4\n", "\(list)")
            try cli.write("m.plat", """
                plan main() { print(len(cmdb.hosts(where: "city == $city"))) }
                """)
            let missing = try cli.run(["run", "m.plat", "-q"])
            expectExit(missing, 1)
            #expect(missing.stderr.contains("the variable $city has no value") && missing.stderr.contains("vars: {city: value}"), "\(missing)")
        }
    }
}
