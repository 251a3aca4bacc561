import Foundation
import PlatLang

/// `gateway docs GATEWAY --out DIR`: a static site, one page per resource in one format (basic information,
/// when it was updated, whether a key is needed; the address per stage, method and URL; common and input
/// parameters; an example call; the response example), an index with client-side search, and nothing that
/// needs a server. Rendering is pure (files as text); the CLI writes them.
public enum GatewayDocs {
    public struct Page: Equatable, Sendable {
        public let path: String
        public let text: String
    }

    /// The site for `d` as `version` documents it (the current definition when nil); `serving` maps stage →
    /// the version it serves; `port` is where `gateway serve` listens (for the addresses shown).
    public static func render(_ d: GatewayDefinition, version: ResourceVersion?, serving: [String: String], port: Int, updatedAt: Double) -> [Page] {
        let resources = (version?.resources ?? d.resources).sorted { $0.name < $1.name }
        let defaultAuth = version?.defaultAuth ?? d.defaultAuth
        let updated = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: version?.createdAt ?? updatedAt))
        var pages: [Page] = []
        // The search index: per resource its name, method, path, doc and tags, lower-cased for matching.
        let entries: [String] = resources.map { r in
            let fields = [("name", r.name), ("method", r.method), ("path", r.path), ("doc", r.doc), ("tags", r.tags.joined(separator: " ")),
                          ("href", "resources/\(r.name).html")]
            return "{" + fields.map { "\(jsonString($0.0)):\(jsonString($0.1))" }.joined(separator: ",") + "}"
        }
        pages.append(Page(path: "index.js", text: "window.GATEWAY_INDEX = [\n" + entries.joined(separator: ",\n") + "\n];\n"))
        pages.append(Page(path: "search.js", text: searchScript))
        pages.append(Page(path: "style.css", text: style))
        var list = ""
        for r in resources {
            list += "<li data-name=\"\(html(r.name))\"><a href=\"resources/\(html(r.name)).html\"><code>\(html(r.method)) \(html(r.path))</code> \(html(r.name))</a> <span>\(html(r.doc))</span></li>\n"
        }
        let title = "\(d.name) \(version?.version ?? "(draft)")"
        pages.append(Page(path: "index.html", text: page(title: title, css: "style.css", body: """
            <h1>\(html(d.name)) <small>\(html(version?.version ?? "draft"))</small></h1>
            <p>\(html(d.description))</p>
            <p>Stages: \(d.stages.map { "<code>\(html($0.name))</code> (\(html($0.envClass))\(serving[$0.name].map { ", serves \(html($0))" } ?? ""))" }.joined(separator: ", "))</p>
            <input id="q" type="search" placeholder="Search the APIs" autofocus>
            <ul id="results"></ul>
            <h2>All resources</h2>
            <ul id="all">
            \(list)</ul>
            <script src="index.js"></script>
            <script src="search.js"></script>
            <script>
            var box = document.getElementById("q");
            box.addEventListener("input", function (e) {
              var out = document.getElementById("results");
              out.innerHTML = "";
              search(window.GATEWAY_INDEX, e.target.value).forEach(function (r) {
                var li = document.createElement("li"), a = document.createElement("a");
                a.href = r.href; a.textContent = r.method + " " + r.path + " " + r.name + ": " + r.doc;
                li.appendChild(a); out.appendChild(li);
              });
            });
            // A search in the address (index.html?q=WORDS) is typed into the box, so a search can be linked.
            var given = new URLSearchParams(location.search).get("q");
            if (given) { box.value = given; box.dispatchEvent(new Event("input")); }
            </script>
            """)))
        for r in resources { pages.append(Page(path: "resources/\(r.name).html", text: resourcePage(r, d, auth: r.auth ?? defaultAuth, updated: updated, port: port))) }
        return pages
    }

    static func resourcePage(_ r: GatewayResource, _ d: GatewayDefinition, auth: AuthMode, updated: String, port: Int) -> String {
        let params = PathPattern(r.path).parameters
        var common = ""
        if auth != .none { common += "<tr><td><code>X-Api-Key</code></td><td>header</td><td>yes</td><td>a consumer's key (platflow gateway consumer keys NAME --new)</td></tr>\n" }
        if auth == .both { common += "<tr><td><code>Authorization</code></td><td>header</td><td>yes</td><td>the user's token, judged by the backend</td></tr>\n" }
        var input = params.map { "<tr><td><code>\(html($0))</code></td><td>path</td><td>yes</td><td>the {\(html($0))} segment</td></tr>\n" }.joined()
        input += "<tr><td>query string</td><td>query</td><td>no</td><td>passed to the backend as given</td></tr>\n"
        let samplePath = PathPattern(r.path).segments.map { seg -> String in
            if case .literal(let l) = seg { return l }
            if case .parameter(let p) = seg { return p.uppercased() }
            return ""
        }.joined(separator: "/")
        let stage = d.stages.first?.name ?? "STAGE"
        var call = "curl -X \(r.method == "ANY" ? "GET" : r.method) -H 'Host: \(stage).\(d.name)'"
        if auth != .none { call += " -H 'X-Api-Key: KEYID.SECRET'" }
        if auth == .both { call += " -H 'Authorization: Bearer TOKEN'" }
        call += " http://127.0.0.1:\(port)/\(samplePath)"
        let addresses = d.stages.map { "<tr><td><code>\(html($0.name))</code></td><td>\(html($0.envClass))\($0.isMock ? " (mock)" : "")</td><td><code>http://127.0.0.1:\(port)\(html(r.path))</code> with <code>Host: \(html($0.name)).\(html(d.name))</code></td></tr>\n" }.joined()
        return page(title: "\(r.name) - \(d.name)", css: "../style.css", body: """
            <p><a href="../index.html">\(html(d.name))</a></p>
            <h1>\(html(r.name))</h1>
            <h2>Basic information</h2>
            <table>
            <tr><th>Description</th><td>\(html(r.doc.isEmpty ? "-" : r.doc))</td></tr>
            <tr><th>Tags</th><td>\(html(r.tags.isEmpty ? "-" : r.tags.joined(separator: ", ")))</td></tr>
            <tr><th>Updated</th><td>\(html(updated))</td></tr>
            <tr><th>Permission needed</th><td>\(auth == .none ? "no" : auth == .appKey ? "yes: an app key with a grant" : "yes: an app key with a grant, and a user token")</td></tr>
            </table>
            <h2>Address</h2>
            <p>Method <code>\(html(r.method))</code>, URL <code>\(html(r.path))</code></p>
            <table><tr><th>Stage</th><th>Class</th><th>Address</th></tr>
            \(addresses)</table>
            <h2>Common parameters</h2>
            <table><tr><th>Name</th><th>In</th><th>Required</th><th>Description</th></tr>
            \(common.isEmpty ? "<tr><td colspan=\"4\">none</td></tr>\n" : common)</table>
            <h2>Input parameters</h2>
            <table><tr><th>Name</th><th>In</th><th>Required</th><th>Description</th></tr>
            \(input)</table>
            <h2>Example call</h2>
            <pre>\(html(call))</pre>
            <h2>Response</h2>
            <p>\(r.example == nil ? "No example documented." : "A successful call answers 200 with, for example:")</p>
            \(r.example.map { "<pre>\(html($0))</pre>" } ?? "")
            <p>Errors from the gateway: 401 (no or wrong key), 403 (no grant), 404, 405, 429 (rate limit), 503 (offline).</p>
            """)
    }

    static func page(title: String, css: String, body: String) -> String {
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>\(html(title))</title>\n<link rel=\"stylesheet\" href=\"\(css)\">\n</head>\n<body>\n\(body)\n</body>\n</html>\n"
    }

    static func html(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A JSON string literal safe inside a script file (no `</` sequence).
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "<": out += "\\u003c"
            case "\n": out += "\\n"
            default:
                if u.value < 32 || u.value == 0x2028 || u.value == 0x2029 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// Every word of the query must occur in a resource's name, method, path, doc or tags; results whose
    /// name matches come first. Also a CommonJS module, so it can be tested outside a browser.
    static let searchScript = """
        function search(index, query) {
          var words = String(query || "").toLowerCase().split(/\\s+/).filter(function (w) { return w.length > 0; });
          if (words.length === 0) { return []; }
          var hits = [];
          index.forEach(function (r) {
            var text = [r.name, r.method, r.path, r.doc, r.tags].join(" ").toLowerCase().replace(/_/g, " ") + " " + r.name.toLowerCase();
            if (words.every(function (w) { return text.indexOf(w) >= 0; })) {
              var score = words.filter(function (w) { return r.name.toLowerCase().indexOf(w) >= 0; }).length;
              hits.push({ r: r, score: score });
            }
          });
          hits.sort(function (a, b) { return b.score - a.score || (a.r.name < b.r.name ? -1 : 1); });
          return hits.map(function (h) { return h.r; });
        }
        if (typeof module !== "undefined") { module.exports = { search: search }; }

        """

    static let style = """
        body { font-family: sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
        code, pre { background: #f4f4f4; padding: 0 .2rem; }
        pre { padding: .6rem; overflow-x: auto; }
        table { border-collapse: collapse; margin-bottom: 1rem; }
        td, th { border: 1px solid #ddd; padding: .3rem .6rem; text-align: left; vertical-align: top; }
        input[type=search] { width: 100%; font-size: 1.1rem; padding: .4rem; }

        """
}
