import Foundation
import Testing

/// `platflow gateway consumer ...` (and its other name, `gateway app`) through the built binary: keys shown once
/// and stored as digests, grants, bad input with exit 2. nginx checking the keys is tested in PlatGatewayTests.
@Suite("platflow gateway consumer")
struct GatewayConsumerCommandTests {
    @Test("add, a key shown once, grants, revoke; `gateway app` is the same family")
    func consumersKeysAndGrants() throws {
        try CLI.with { cli in
            try cli.write("shop.yaml", GatewayCommandTests.shop)
            expectExit(try cli.run(["gateway", "import", "shop.yaml"]), 0)
            expectExit(try cli.run(["gateway", "consumer", "add", "billing", "--description", "the billing service"]), 0)
            let key = try cli.run(["gateway", "consumer", "keys", "billing", "--new"])
            expectExit(key, 0)
            let text = key.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(text.range(of: "^[0-9a-f]{12}\\.[A-Za-z0-9_-]{43}$", options: .regularExpression) != nil, "\(key)")
            let id = String(text.prefix(12))
            #expect(key.stderr.contains("shown only now"))
            let keys = try cli.run(["gateway", "app", "keys", "billing"])
            expectExit(keys, 0)
            #expect(keys.stdout.contains(id) && !keys.stdout.contains(text), "\(keys)")
            expectExit(try cli.run(["gateway", "app", "grant", "billing", "shop", "list_orders"]), 0)
            let list = try cli.run(["gateway", "consumer", "list"])
            #expect(list.stdout.contains("billing") && list.stdout.contains("shop/list_orders"), "\(list)")
            #expect(!list.stdout.contains(text))
            expectExit(try cli.run(["gateway", "consumer", "keys", "billing", "--revoke", id]), 0)
            let shown = try cli.run(["gateway", "consumer", "show", "billing", "--json"])
            expectExit(shown, 0)
            #expect(shown.stdout.contains("\"revoked_at\" : ") || shown.stdout.contains("\"revoked_at\":"), "\(shown)")
            expectExit(try cli.run(["gateway", "consumer", "revoke", "billing", "shop", "list_orders"]), 0)
            #expect(try cli.run(["gateway", "consumer", "show", "billing"]).stdout.contains("grants  none"))
        }
    }

    @Test("unknown consumers, gateways and resources are bad input (exit 2) and change nothing")
    func badInput() throws {
        try CLI.with { cli in
            try cli.write("shop.yaml", GatewayCommandTests.shop)
            expectExit(try cli.run(["gateway", "import", "shop.yaml"]), 0)
            expectExit(try cli.run(["gateway", "consumer", "add", "billing"]), 0)
            let dup = try cli.run(["gateway", "consumer", "add", "billing"])
            expectExit(dup, 2)
            let unknown = try cli.run(["gateway", "consumer", "grant", "biling", "shop"])
            expectExit(unknown, 2)
            #expect(unknown.stderr.contains("did you mean 'billing'?"), "\(unknown)")
            let resource = try cli.run(["gateway", "consumer", "grant", "billing", "shop", "list_order"])
            expectExit(resource, 2)
            #expect(resource.stderr.contains("no resource 'list_order'") && resource.stderr.contains("list_orders"), "\(resource)")
            expectExit(try cli.run(["gateway", "consumer", "keys", "billing", "--new", "--revoke", "x"]), 2)
            #expect(try cli.run(["gateway", "consumer", "show", "billing"]).stdout.contains("grants  none"))
        }
    }
}
