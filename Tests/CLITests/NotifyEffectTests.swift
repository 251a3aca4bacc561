import Foundation
import Testing

/// A webhook receiver on 127.0.0.1 (python3's http.server) that records every request it gets, one JSON line per
/// request (method, path, headers, body) in `requests.jsonl`, and answers by path: `/status/N` with status N,
/// `/flaky/N` with 503 for the first N requests to that path and 200 after, `/slow/S` after S seconds.
final class WebhookReceiver {
    let process = Process()
    let port: Int
    let log: URL

    static let script = """
        import http.server, json, sys, time, threading
        log_path = sys.argv[1]
        counts = {}
        lock = threading.Lock()
        class Hook(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def handle_any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                with lock:
                    counts[self.path] = counts.get(self.path, 0) + 1
                    seen = counts[self.path]
                    with open(log_path, "a") as f:
                        f.write(json.dumps({"method": self.command, "path": self.path,
                                            "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}) + "\\n")
                parts = self.path.strip("/").split("/")
                status, answer = 200, '{"ok": true}'
                if parts[0] == "status":
                    status, answer = int(parts[1]), "refused: line one\\nline two"
                elif parts[0] == "flaky" and seen <= int(parts[1]):
                    status, answer = 503, "busy, attempt %d" % seen
                elif parts[0] == "slow":
                    time.sleep(float(parts[1]))
                data = answer.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except BrokenPipeError:
                    pass
            do_POST = do_PUT = do_PATCH = handle_any
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    init(in folder: URL) throws {
        let scriptURL = folder.appendingPathComponent("receiver.py")
        try Self.script.write(to: scriptURL, atomically: true, encoding: .utf8)
        log = folder.appendingPathComponent("requests.jsonl")
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptURL.path, log.path]
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line is the port the OS gave it; nothing within 10 s means it cannot start.
        var text = ""
        let deadline = Date().addingTimeInterval(10)
        while !text.contains("\n") && Date() < deadline && process.isRunning {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { usleep(20_000) } else { text += String(decoding: chunk, as: UTF8.self) }
        }
        // The receiver prints nothing more: its pipe is closed here, so no descriptor outlives the start.
        try? out.fileHandleForReading.close()
        try? out.fileHandleForWriting.close()
        guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            if process.isRunning { process.terminate() }
            throw HarnessError("the webhook receiver (python3 http.server) did not start on 127.0.0.1: got '\(text)'")
        }
        self.port = port
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// The requests received so far, oldest first.
    func requests() -> [[String: Any]] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func header(_ request: [String: Any], _ name: String) -> String? {
        (request["headers"] as? [String: String])?[name]
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

@Suite("notify: JSON to a webhook")
struct NotifyEffectTests {
    func withReceiver(_ body: (CLI, WebhookReceiver) throws -> Void) throws {
        try CLI.with { cli in
            let receiver = try WebhookReceiver(in: cli.directory)
            defer { receiver.stop() }
            try body(cli, receiver)
        }
    }

    func runID(_ r: CLIResult) -> String? {
        guard let first = r.stderr.split(separator: "\n").first, first.hasPrefix("run ") else { return nil }
        return String(first.dropFirst(4))
    }

    @Test("the body arrives as JSON with the given headers and an Idempotency-Key; the call returns status and body")
    func delivered() throws {
        try withReceiver { cli, hook in
            try cli.write("f.plat", """
                plan main() {
                    step "tell" {
                        let r = notify("\(hook.base)/hook?token=abc", {text: "deployed", n: 3, hosts: ["a", "b"]},
                                       headers: {"X-Team": "sre"})
                        print(r.status, r.body, r.attempts)
                    }
                }

                """)
            let r = try cli.run(["run", "f.plat"], timeout: 60)
            expectExit(r, 0)
            #expect(r.stdout == "200 {\"ok\": true} 1\n", "\(r)")
            let got = hook.requests()
            #expect(got.count == 1)
            guard let first = got.first else { return }
            #expect(first["method"] as? String == "POST")
            #expect(first["path"] as? String == "/hook?token=abc")
            #expect(first["body"] as? String == #"{"text":"deployed","n":3,"hosts":["a","b"]}"#)
            #expect(hook.header(first, "content-type") == "application/json")
            #expect(hook.header(first, "x-team") == "sre")
            let key = hook.header(first, "idempotency-key") ?? ""
            #expect(key.hasPrefix(runID(r) ?? "?") && key.contains("main/tell"), "\(key)")
        }
    }

    @Test("a 4xx fails at once (no retry) with the status and a body excerpt, catchable with try; uncaught it fails the run")
    func clientErrorFails() throws {
        try withReceiver { cli, hook in
            try cli.write("f.plat", """
                try { notify("\(hook.base)/status/404", {a: 1}) } catch err { print("caught:", err.message) }
                notify("\(hook.base)/status/401", {a: 2})

                """)
            let r = try cli.run(["run", "f.plat"], timeout: 60)
            expectExit(r, 1)
            #expect(r.stdout == "caught: notify() to \(hook.base)/status/404 failed: HTTP 404: refused: line one line two\n", "\(r)")
            #expect(r.stderr.contains("notify() to \(hook.base)/status/401 failed: HTTP 401"), "\(r)")
            #expect(hook.requests().count == 2, "4xx answers are not retried")
        }
    }

    @Test("5xx answers are retried with backoff under one Idempotency-Key; too many fail naming the attempts")
    func serverErrorsRetried() throws {
        try withReceiver { cli, hook in
            try cli.write("f.plat", """
                let r = notify("\(hook.base)/flaky/2", {a: 1}, retries: 2, backoff: 50ms)
                print(r.status, r.attempts)
                try { notify("\(hook.base)/flaky/5", {a: 1}, retries: 1, backoff: 50ms) } catch err { print(err.message) }

                """)
            let r = try cli.run(["run", "f.plat"], timeout: 60)
            expectExit(r, 0)
            #expect(r.stdout == "200 3\nnotify() to \(hook.base)/flaky/5 failed after 2 attempts: HTTP 503: busy, attempt 2\n", "\(r)")
            #expect(r.stderr.contains("HTTP 503: busy, attempt 1; attempt 2 of 3 in 50ms"), "\(r)")
            let got = hook.requests()
            #expect(got.count == 5)
            let keys = Set(got.prefix(3).compactMap { hook.header($0, "idempotency-key") })
            #expect(keys.count == 1, "every attempt of one call carries the same key: \(keys)")
        }
    }

    @Test("an answer slower than timeout: fails as a timeout (retried when asked), and a refused connection names it")
    func timeouts() throws {
        try withReceiver { cli, hook in
            try cli.write("f.plat", """
                try { notify("\(hook.base)/slow/30", {a: 1}, timeout: 300ms, retries: 1, backoff: 10ms) } catch err { print(err.message) }
                try { notify("http://127.0.0.1:9/", {a: 1}, retries: 0) } catch err { print(err.message) }

                """)
            let r = try cli.run(["run", "f.plat"], timeout: 90)
            expectExit(r, 0)
            let lines = r.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "notify() to \(hook.base)/slow/30 failed after 2 attempts: no answer within 300ms", "\(r)")
            #expect(lines.count == 2 && lines[1].hasPrefix("notify() to http://127.0.0.1:9/ failed: cannot connect"), "\(r)")
            // Two answers of 30 s each would take a minute; the timeout cuts each attempt short.
            #expect(r.seconds < 30, "the timeout bounds the wait: \(r.seconds)s")
            #expect(hook.requests().count == 2)
        }
    }

    @Test("a retried run replays a delivered notification instead of posting it again")
    func notPostedTwice() throws {
        try withReceiver { cli, hook in
            try cli.write("f.plat", """
                plan main() {
                    step "tell" { notify("\(hook.base)/hook", {text: "started"}) }
                    step "work" { sh("test -f go") }
                }

                """)
            let first = try cli.run(["run", "f.plat"], timeout: 60)
            expectExit(first, 1)
            guard let id = runID(first) else { Issue.record("no run id: \(first)"); return }
            try cli.write("go", "")
            let again = try cli.run(["retry", id], timeout: 60)
            expectExit(again, 0)
            #expect(hook.requests().count == 1, "the notification was sent again: \(hook.requests())")
        }
    }

    @Test("a run killed while its notification is in flight sends it again on resume, with the same Idempotency-Key")
    func atLeastOnce() throws {
        try withReceiver { cli, hook in
            try cli.write("f.plat", """
                notify("\(hook.base)/slow/1", {text: "once"}, timeout: 20s)
                print("sent")

                """)
            guard let binary = CLI.binary else { throw HarnessError("no platflow binary") }
            let process = Process()
            process.executableURL = binary
            process.arguments = ["run", "f.plat"]
            process.currentDirectoryURL = cli.directory
            let err = cli.directory.appendingPathComponent("first.err")
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: err)
            try CLI.launch(process)
            let deadline = Date().addingTimeInterval(20)
            while hook.requests().isEmpty && Date() < deadline { usleep(20_000) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(hook.requests().count == 1, "the first attempt never arrived")
            let banner = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            guard let line = banner.split(separator: "\n").first, line.hasPrefix("run ") else {
                Issue.record("no run id: \(banner)"); return
            }
            let resumed = try cli.run(["resume", String(line.dropFirst(4))], timeout: 60)
            expectExit(resumed, 0)
            #expect(resumed.stdout == "sent\n", "\(resumed)")
            #expect(resumed.stderr.contains("re-running notify()"), "\(resumed)")
            let got = hook.requests()
            #expect(got.count == 2)
            let keys = Set(got.compactMap { hook.header($0, "idempotency-key") })
            #expect(keys.count == 1, "\(keys)")
        }
    }

    @Test("secrets: a whole header value or URL is sent and never stored; in the body or interpolated it is refused")
    func secrets() throws {
        try withReceiver { cli, hook in
            let token = "Bearer tok-9f8e7d"
            try cli.write("f.plat", """
                plan main(token: secret, hook: secret, mode: string) {
                    if mode == "header" { notify("\(hook.base)/h", {a: 1}, headers: {Authorization: token}) }
                    if mode == "url" { notify(hook, {a: 2}) }
                    if mode == "body" { notify("\(hook.base)/b", {a: token}) }
                    if mode == "interpolated" { notify("\(hook.base)/i?t=\\(token)", {a: 3}) }
                }

                """)
            let secretURL = "\(hook.base)/u?key=hidden-77"
            func run(_ mode: String) throws -> CLIResult {
                try cli.run(["run", "f.plat", "-p", "token=\(token)", "-p", "hook=\(secretURL)", "-p", "mode=\(mode)"], timeout: 60)
            }
            expectExit(try run("header"), 0)
            expectExit(try run("url"), 0)
            let body = try run("body")
            expectExit(body, 1)
            #expect(body.stderr.contains("cannot encode a secret") && body.stderr.contains("headers: {Authorization: token}"), "\(body)")
            let interpolated = try run("interpolated")
            expectExit(interpolated, 1)
            #expect(interpolated.stderr.contains("built from the secret 'token'"), "\(interpolated)")
            let got = hook.requests()
            #expect(got.count == 2, "refused calls sent nothing: \(got)")
            #expect(got.first.flatMap { hook.header($0, "authorization") } == token)
            #expect(got.last?["path"] as? String == "/u?key=hidden-77")
            var stored = Data()
            let folder = cli.directory.appendingPathComponent(".platflow")
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasPrefix("platflow.db") {
                stored.append(try Data(contentsOf: folder.appendingPathComponent(name)))
            }
            #expect(stored.range(of: Data("tok-9f8e7d".utf8)) == nil, "the header secret is stored")
            #expect(stored.range(of: Data("hidden-77".utf8)) == nil, "the URL secret is stored")
        }
    }

    @Test("bad arguments are refused before anything is sent or journaled")
    func badArguments() throws {
        try withReceiver { cli, hook in
            try cli.write("f.plat", """
                try { notify("ftp://example.com/x", {a: 1}) } catch err { print(err.message) }
                try { notify("\(hook.base)/x", {a: 1}, headers: {"Bad Name": "v"}) } catch err { print(err.message) }
                try { notify("\(hook.base)/x", {a: 1}, headers: {X: "a\\nInjected: 1"}) } catch err { print(err.message) }
                try { notify("\(hook.base)/x", {f: fn(x) => x}) } catch err { print(err.message) }

                """)
            let r = try cli.run(["run", "f.plat"], timeout: 60)
            expectExit(r, 0)
            #expect(r.stdout == """
                notify() needs an http:// or https:// URL with a host, got 'ftp://example.com/x'
                notify() header names are words of letters, digits, '-' and '_', got "Bad Name"
                notify() header 'X' must not contain a line break
                notify() cannot send its body as JSON: the body cannot encode a function

                """, "\(r)")
            #expect(hook.requests().isEmpty)
            try cli.write("g.plat", "notify(\"\(hook.base)/x\", {}, method: \"GET\")\n")
            let check = try cli.run(["check", "g.plat"], timeout: 60)
            expectExit(check, 1)
            #expect(check.stdout.contains("GET") || check.stderr.contains("GET"), "\(check)")
        }
    }
}
