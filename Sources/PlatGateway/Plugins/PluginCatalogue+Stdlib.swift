/// The built-in plugins (the stdlib of the plugin market), each a .plat file kept here as text so the module
/// needs no resource files. Every one follows the plugin contract in `GatewayPlugin`.
extension PluginCatalogue {
    static let stdlibSources: [(file: String, text: String)] = [
        ("rate_limit.plat", #"""
        let name = "rate_limit"
        let version = "1.0.0"
        let priority = 1001
        let description = "Limits requests per client address or per consumer (nginx limit_req): past the rate and burst, 429."
        let schema = {
            rate: {type: "string", required: true, pattern: "^[1-9][0-9]{0,6}r/[sm]$", doc: "requests per second or minute: 10r/s, 600r/m"},
            burst: {type: "int", default: 0, min: 0, max: 100000, doc: "requests above the rate answered at once before 429"},
            by: {type: "string", default: "address", one_of: ["address", "consumer"], doc: "what is counted: each client address, or each consumer (its key was checked first)"},
        }
        let doc = {
            enable: "plugins: {rate_limit: {rate: \"10r/s\", burst: 20}}",
            test: "send burst + 2 requests at once: the last answers 429",
            remove: "delete the rate_limit entry from the resource's plugins",
        }

        fn init(conf, ctx) {
            var key = variable("binary_remote_addr")
            if conf.by == "consumer" {
                if ctx.auth == "none" { fail("by: consumer needs the resource's auth to be app_key or both") }
                key = variable("gw_key_consumer")
            }
            return [directive("limit_req_zone", [key, "zone=" + ctx.zone + ":1m", "rate=" + conf.rate])]
        }

        fn access(conf, ctx) {
            var args = ["zone=" + ctx.zone]
            if conf.burst > 0 { args = args + ["burst=" + str(conf.burst), "nodelay"] }
            return [directive("limit_req", args), directive("limit_req_status", [429])]
        }
        """#),
        ("ip_restriction.plat", #"""
        let name = "ip_restriction"
        let version = "1.0.0"
        let priority = 3000
        let description = "Allows or denies client addresses (IPv4 or CIDR); refused callers get 403."
        let schema = {
            allow: {type: "list", default: [], pattern: "^[0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?$", doc: "addresses or CIDR ranges allowed; all others are denied"},
            deny: {type: "list", default: [], pattern: "^[0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?$", doc: "addresses or CIDR ranges denied; all others are allowed"},
        }
        let doc = {
            enable: "plugins: {ip_restriction: {allow: \"10.0.0.0/8, 127.0.0.1\"}}",
            test: "call from an address outside the list: 403",
            remove: "delete the ip_restriction entry from the resource's plugins",
        }

        fn check_schema(conf) {
            if len(conf.allow) > 0 and len(conf.deny) > 0 { return "give allow or deny, not both" }
            if len(conf.allow) == 0 and len(conf.deny) == 0 { return "give allow or deny" }
            return nil
        }

        fn access(conf, ctx) {
            var out = []
            for a in conf.allow { out = out + [directive("allow", [a])] }
            if len(conf.allow) > 0 { out = out + [directive("deny", ["all"])] }
            for d in conf.deny { out = out + [directive("deny", [d])] }
            return out
        }
        """#),
        ("header_rewrite.plat", #"""
        let name = "header_rewrite"
        let version = "1.0.0"
        let priority = 900
        let description = "Sets request headers for the backend and adds response headers for the caller."
        let schema = {
            request_set: {type: "list", default: [], pattern: "^[A-Za-z0-9-]+: [^$]*$", doc: "\"Name: value\" headers set on the way to the backend"},
            response_add: {type: "list", default: [], pattern: "^[A-Za-z0-9-]+: [^$]*$", doc: "\"Name: value\" headers added to every answer"},
        }
        let doc = {
            enable: "plugins: {header_rewrite: {request_set: \"X-Tenant: shop\", response_add: \"Cache-Control: no-store\"}}",
            test: "the backend sees X-Tenant; the caller sees Cache-Control",
            remove: "delete the header_rewrite entry from the resource's plugins",
        }

        fn header(text) {
            let parts = text.split(": ")
            var value = ""
            for i, p in enumerate(parts) {
                if i == 1 { value = p } else if i > 1 { value = value + ": " + p }
            }
            return [parts[0], value]
        }

        fn rewrite(conf, ctx) {
            var out = []
            for h in conf.request_set { out = out + [directive("proxy_set_header", header(h))] }
            for h in conf.response_add { out = out + [directive("add_header", header(h) + ["always"])] }
            return out
        }
        """#),
        ("cors.plat", #"""
        let name = "cors"
        let version = "1.0.0"
        let priority = 4000
        let description = "Adds CORS headers to answers, and answers preflight OPTIONS requests itself with 204."
        let schema = {
            origin: {type: "string", default: "*", pattern: "^(\\*|https?://[A-Za-z0-9.-]+(:[0-9]+)?)$", doc: "the allowed origin: * or one http(s) origin"},
            methods: {type: "string", default: "GET, POST, PUT, PATCH, DELETE, OPTIONS", pattern: "^[A-Z, ]+$", doc: "allowed methods"},
            headers: {type: "string", default: "Content-Type, Authorization, X-Api-Key", pattern: "^[A-Za-z0-9, -]+$", doc: "allowed request headers"},
            max_age: {type: "int", default: 600, min: 0, max: 86400, doc: "seconds a preflight answer may be cached"},
        }
        let doc = {
            enable: "plugins: {cors: {origin: \"https://shop.example\"}}; a preflight OPTIONS on its path is routed to it",
            test: "OPTIONS answers 204 with Access-Control-Allow-Origin; GET carries the header too",
            remove: "delete the cors entry from the resource's plugins",
        }

        fn rewrite(conf, ctx) {
            let preflight = [
                directive("add_header", ["Access-Control-Allow-Origin", conf.origin, "always"]),
                directive("add_header", ["Access-Control-Allow-Methods", conf.methods, "always"]),
                directive("add_header", ["Access-Control-Allow-Headers", conf.headers, "always"]),
                directive("add_header", ["Access-Control-Max-Age", conf.max_age, "always"]),
                directive("return", [204]),
            ]
            return [
                when(variable("request_method"), "=", "OPTIONS", preflight),
                directive("add_header", ["Access-Control-Allow-Origin", conf.origin, "always"]),
            ]
        }
        """#),
        ("request_size.plat", #"""
        let name = "request_size"
        let version = "1.0.0"
        let priority = 2500
        let description = "Refuses request bodies above a size with 413."
        let schema = {
            max: {type: "string", default: "1m", pattern: "^[0-9]{1,6}[kKmM]?$", doc: "the largest body: bytes, or with k or m"},
        }
        let doc = {
            enable: "plugins: {request_size: {max: \"64k\"}}",
            test: "POST a body larger than max: 413",
            remove: "delete the request_size entry from the resource's plugins",
        }

        fn access(conf, ctx) {
            return [directive("client_max_body_size", [conf.max])]
        }
        """#),
        ("mock.plat", #"""
        let name = "mock"
        let version = "1.0.0"
        let priority = 100
        let description = "Answers from nginx itself with a fixed status and body; the backend is not called."
        let schema = {
            status: {type: "int", default: 200, min: 200, max: 599, doc: "the status answered"},
            body: {type: "string", default: "{}", doc: "the body answered (no '$')"},
            content_type: {type: "string", default: "application/json", pattern: "^[a-z]+/[A-Za-z0-9.+-]+$", doc: "its Content-Type"},
        }
        let doc = {
            enable: "plugins: {mock: {status: 200, body: \"{\\\"orders\\\": []}\"}}",
            test: "call the resource with its backend stopped: the body comes back",
            remove: "delete the mock entry from the resource's plugins",
        }

        fn rewrite(conf, ctx) {
            return [directive("default_type", [conf.content_type]), directive("return", [conf.status, conf.body])]
        }
        """#),
        ("request_id.plat", #"""
        let name = "request_id"
        let version = "1.0.0"
        let priority = 5000
        let description = "Gives each request an id (nginx's $request_id): sent to the backend and back to the caller."
        let schema = {
            header: {type: "string", default: "X-Request-Id", pattern: "^[A-Za-z0-9-]+$", doc: "the header's name"},
        }
        let doc = {
            enable: "plugins: {request_id: {}}",
            test: "the answer and the backend's request carry the same X-Request-Id",
            remove: "delete the request_id entry from the resource's plugins",
        }

        fn rewrite(conf, ctx) {
            return [
                directive("proxy_set_header", [conf.header, variable("request_id")]),
                directive("add_header", [conf.header, variable("request_id"), "always"]),
            ]
        }
        """#),
        ("access_log.plat", #"""
        let name = "access_log"
        let version = "1.0.0"
        let priority = 0
        let description = "Writes a JSON access log of chosen fields for the resource, in the prefix's logs/ folder."
        let schema = {
            fields: {type: "list", default: ["time_iso8601", "request_id", "remote_addr", "request_method", "uri", "status", "request_time"],
                     pattern: "^[a-z_0-9]+$", doc: "nginx variables to log, without the $"},
        }
        let doc = {
            enable: "plugins: {access_log: {fields: \"time_iso8601, status, request_time\"}}",
            test: "call the resource: logs/gw_GATEWAY__STAGE__RESOURCE.log has a JSON line with those fields",
            remove: "delete the access_log entry from the resource's plugins",
        }

        fn init(conf, ctx) {
            var parts = ["{"]
            for i, f in enumerate(conf.fields) {
                if i > 0 { parts = parts + [","] }
                parts = parts + ["\"" + f + "\":\"", variable(f), "\""]
            }
            parts = parts + ["}"]
            return [directive("log_format", [ctx.zone, "escape=json", concat(parts)])]
        }

        fn log(conf, ctx) {
            return [directive("access_log", ["logs/" + ctx.zone + ".log", ctx.zone])]
        }
        """#),
        ("app_key.plat", #"""
        let name = "app_key"
        let version = "1.0.0"
        let priority = 50
        let description = "Checks a consumer's app key (X-Api-Key) against the digests nginx holds, then its grant: 401 without a valid key, 403 without a grant; with auth both, also 401 without an Authorization header. On for every resource whose auth is app_key or both."
        let schema = {}
        let doc = {
            enable: "auth: app_key (or both) on the resource or as the gateway's default_auth; plugin enable GATEWAY RESOURCE app_key [--set mode=both] sets it",
            test: "call without X-Api-Key: 401; with a granted consumer's key: 200; with a key of a consumer without a grant: 403",
            remove: "auth: none on the resource (plugin disable GATEWAY RESOURCE app_key sets it)",
        }

        fn rewrite(conf, ctx) {
            if ctx.auth == "none" { fail("app_key runs on resources whose auth is app_key or both; set the resource's auth instead of listing the plugin") }
            let header = "X-Api-Key"
            var out = [
                when(variable("http_x_api_key"), "=", "", [directive("return", [401, "{\"error\":\"app key required\",\"header\":\"" + header + "\"}"])]),
                directive("secure_link", [variable("gw_key_digest")]),
                directive("secure_link_md5", [concat([variable("http_x_api_key")])]),
                when(variable("secure_link"), "=", "", [directive("return", [401, "{\"error\":\"app key not valid\",\"header\":\"" + header + "\"}"])]),
                directive("set", [variable("gw_grant_gateway"), ctx.gateway]),
                directive("set", [variable("gw_grant_resource"), ctx.gateway + "/" + ctx.resource]),
                when(variable("gw_granted"), "=", "", [directive("return", [403, "{\"error\":\"not granted\",\"resource\":\"" + ctx.resource + "\"}"])]),
            ]
            if ctx.auth == "both" {
                out = out + [when(variable("http_authorization"), "=", "", [directive("return", [401, "{\"error\":\"user token required\",\"header\":\"Authorization\"}"])])]
            }
            return out
        }

        fn access(conf, ctx) {
            # The key stays at the gateway; the backend learns who called.
            return [directive("proxy_set_header", ["X-Api-Key", ""]), directive("proxy_set_header", ["X-Gateway-Consumer", variable("gw_key_consumer")])]
        }
        """#),
    ]
}
