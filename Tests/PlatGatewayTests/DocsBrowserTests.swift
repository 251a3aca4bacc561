import Foundation
import Testing
import PlatEngine
@testable import PlatGateway

/// The generated docs site in a real browser: Debian's chromium, headless (scripts/setup.sh installs it), loads
/// index.html with a search in its address, which the page types into its search box; the DOM after the page's
/// scripts ran must list the resources the search finds. Fails, never skips, when chromium cannot run.
@Suite(.serialized) struct DocsBrowserTests {
    static func chromium() -> String? {
        ProcessRunner.which("chromium") ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The page's DOM after its scripts ran with `index.html?q=QUERY`.
    static func dom(site: String, query: String, profile: String) throws -> String {
        guard let browser = chromium() else {
            throw GatewayError.failed("chromium is not installed", hint: "apt-get install chromium (scripts/setup.sh installs it)")
        }
        var q = URLComponents()
        q.queryItems = [URLQueryItem(name: "q", value: query)]
        let url = "file://\(site)/index.html?\(q.percentEncodedQuery ?? "")"
        // As root Chromium needs --no-sandbox; the virtual time budget lets the page's scripts finish before the dump.
        let r = try ProcessRunner.run(ProcessSpec(arguments: [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                                              "--user-data-dir=\(profile)", "--virtual-time-budget=3000", "--dump-dom", url],
                                                  timeout: 90))
        let out = String(decoding: r.stdout, as: UTF8.self)
        guard r.exitCode == 0, out.contains("<html") else {
            throw GatewayError.failed("headless chromium did not render \(url) (exit \(r.exitCode)): \(r.stderrText.suffix(2000))", hint: nil)
        }
        return out
    }

    /// The resource names linked from the results list (`<ul id="results">`).
    static func results(_ dom: String) -> [String] {
        guard let start = dom.range(of: "<ul id=\"results\">"), let end = dom.range(of: "</ul>", range: start.upperBound..<dom.endIndex) else { return ["(no results list)"] }
        let list = String(dom[start.upperBound..<end.lowerBound])
        return list.components(separatedBy: "href=\"resources/").dropFirst().compactMap { $0.components(separatedBy: ".html\"").first }
    }

    @Test func theSearchBoxFindsResourcesByWordsOfTheirDescriptionInChromium() throws {
        let site = NSTemporaryDirectory() + "gw-docs-browser-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: site) }
        try FileManager.default.createDirectory(atPath: site + "/resources", withIntermediateDirectories: true)
        for p in GatewayDocs.render(try DocsAndSDKTests().definition(), version: nil, serving: [:], port: 18080, updatedAt: 0) {
            try p.text.write(toFile: site + "/" + p.path, atomically: true, encoding: .utf8)
        }
        let profile = site + "/.profile"
        let found = try ["money back", "ORDER", "lines fetch", "nothing like this"].map { Self.results(try Self.dom(site: site, query: $0, profile: profile)) }
        #expect(found == [["refund"], ["get_order", "list_orders", "refund"], ["get_order"], []])
        // The box shows what was searched, and the full list stays below the results.
        let dom = try Self.dom(site: site, query: "money back", profile: profile)
        #expect(dom.contains("id=\"all\"") && dom.contains("resources/list_orders.html"))
    }
}
