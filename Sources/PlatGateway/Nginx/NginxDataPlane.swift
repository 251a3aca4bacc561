import Foundation
import PlatEngine

/// A stock nginx under a prefix of its own, serving the rendered gateway configuration on 127.0.0.1.
///
/// ```
/// PREFIX/nginx.conf        main file: pid, logs and temp paths inside PREFIX, `include gateway.conf` in http
/// PREFIX/gateway.conf      what NginxRenderer rendered (the live release)
/// PREFIX/gateway.next.conf a candidate while it is tested; PREFIX/nginx.test.conf includes it for `nginx -t`
/// PREFIX/listen            the port, so later publishes know where to probe
/// PREFIX/logs/ PREFIX/tmp/ error log, access log, temp paths
/// ```
///
/// Applying a configuration: write the candidate, `nginx -t` it, move it in place, reload, then probe every
/// stage's `/__platflow/release` until it answers the new release id. A failed test changes nothing; a failed
/// reload or probe puts the previous file back and reloads again, so the previous release keeps serving.
public final class NginxDataPlane {
    public let prefix: String
    public let nginx: String
    public let port: Int
    /// Where nginx's dynamic modules are (the Lua module, when a release uses Lua blocks).
    public let modules: String

    /// `modules`: `PLATFLOW_NGINX_MODULES`, else Debian's /usr/lib/nginx/modules.
    public init(prefix: String, port: Int, nginx: String? = nil, modules: String? = nil) {
        self.prefix = (prefix as NSString).standardizingPath.hasPrefix("/") ? (prefix as NSString).standardizingPath
            : FileManager.default.currentDirectoryPath + "/" + prefix
        self.port = port
        self.nginx = nginx ?? NginxDataPlane.findNginx()
        self.modules = modules ?? ProcessInfo.processInfo.environment["PLATFLOW_NGINX_MODULES"] ?? NginxDataPlane.debianModules
    }

    public static let debianModules = "/usr/lib/nginx/modules"

    /// The port recorded in a prefix by an earlier `serve`, if any.
    public static func recordedPort(prefix: String) -> Int? {
        (try? String(contentsOfFile: prefix + "/listen", encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// `nginx` on PATH, else /usr/sbin/nginx (Debian's place, not on a user's PATH).
    public static func findNginx() -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") + ["/usr/sbin", "/usr/local/sbin"] {
            let p = "\(dir)/nginx"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return "nginx"
    }

    public var listen: String { "127.0.0.1:\(port)" }
    var pidFile: String { prefix + "/nginx.pid" }

    /// `lua`: load the Lua module (and the kit it needs) first, for a configuration with Lua blocks.
    func mainConfig(including file: String, lua: Bool = false) -> String {
        NginxDataPlane.mainConfig(prefix: prefix, listen: listen, including: file, modules: lua ? modules : nil)
    }

    /// The main file of a prefix (also written on remote hosts); `modules` set: load the Lua module from there.
    /// `luaCheck`: the file that compiles the Lua blocks and exits (`NginxRenderer.luaCheckVariable`).
    static func mainConfig(prefix: String, listen: String, including file: String, modules: String?, luaCheck: Bool = false) -> String {
        (modules.map { m in LuaChunk.moduleFiles.map { "load_module \(m)/\($0);\n" }.joined() } ?? "")
            + (luaCheck ? "env \(NginxRenderer.luaCheckVariable);\n" : "") + """
        # Written by platflow gateway: nginx under its own prefix.
        worker_processes 1;
        pid \(prefix)/nginx.pid;
        error_log \(prefix)/logs/error.log warn;
        events { worker_connections 1024; }
        http {
            access_log \(prefix)/logs/access.log;
            client_body_temp_path \(prefix)/tmp/body;
            proxy_temp_path \(prefix)/tmp/proxy;
            fastcgi_temp_path \(prefix)/tmp/fastcgi;
            uwsgi_temp_path \(prefix)/tmp/uwsgi;
            scgi_temp_path \(prefix)/tmp/scgi;
            server_tokens off;
            server {
                listen \(listen) default_server;
                default_type application/json;
                location = /__platflow/health { return 200 "ok\\n"; }
                location / { return 404 '{"error":"no such gateway stage"}'; }
            }
            include \(prefix)/\(file);
        }

        """
    }

    /// Creates the prefix's folders and main files (and an empty gateway.conf the first time).
    public func prepare() throws {
        let fm = FileManager.default
        for d in [prefix, prefix + "/logs", prefix + "/tmp"] { try fm.createDirectory(atPath: d, withIntermediateDirectories: true) }
        if !fm.fileExists(atPath: prefix + "/gateway.conf") {
            try "# no release yet\n".write(toFile: prefix + "/gateway.conf", atomically: true, encoding: .utf8)
        }
        try writeMain(for: try String(contentsOfFile: prefix + "/gateway.conf", encoding: .utf8))
        try mainConfig(including: "gateway.next.conf").write(toFile: prefix + "/nginx.test.conf", atomically: true, encoding: .utf8)
        try "\(port)\n".write(toFile: prefix + "/listen", atomically: true, encoding: .utf8)
    }

    /// nginx.conf for serving `rendered`: with the Lua module loaded when it uses Lua blocks.
    func writeMain(for rendered: String) throws {
        try mainConfig(including: "gateway.conf", lua: NginxRenderer.usesLua(rendered)).write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
    }

    /// A configuration with Lua blocks needs Debian's Lua module: say which package when it is not there.
    func checkLuaModule(for rendered: String) throws {
        guard NginxRenderer.usesLua(rendered) else { return }
        for f in LuaChunk.moduleFiles where !FileManager.default.fileExists(atPath: modules + "/" + f) {
            throw GatewayError.failed("this configuration has plugins' Lua blocks, and nginx's Lua module is not installed (no \(modules)/\(f))",
                                      hint: "install Debian's \(LuaChunk.package) (apt-get install \(LuaChunk.package); scripts/setup.sh does), or set PLATFLOW_NGINX_MODULES to where its modules are; the previous release keeps serving")
        }
    }

    /// Runs nginx with `arguments` and the prefix; returns its exit status and output.
    @discardableResult
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: nginx) else {
            throw GatewayError.failed("cannot run nginx at \(nginx)", hint: "install it (apt-get install nginx) or pass --nginx PATH")
        }
        // The engine's runner, not Foundation's Process: a starting nginx daemonizes, and the runner stops reading
        // pipes a daemon keeps open shortly after the command itself exited.
        let r = try ProcessRunner.run(ProcessSpec(arguments: [nginx, "-p", prefix + "/", "-e", prefix + "/logs/error.log"] + arguments,
                                                  timeout: 30))
        return (r.exitCode, String(decoding: r.stdout + r.stderr, as: UTF8.self))
    }

    /// The master's pid when one runs for this prefix.
    public var runningPID: Int32? {
        guard let t = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(t.trimmingCharacters(in: .whitespacesAndNewlines)),
              pid > 0, kill(pid, 0) == 0 else { return nil }
        return pid
    }

    /// Starts nginx in the background (it daemonizes) and waits until it answers its health route.
    public func start(rendered: String) throws {
        try prepare()
        try test(rendered)
        try writeMain(for: rendered)
        try FileManager.default.moveItemReplacing(prefix + "/gateway.next.conf", to: prefix + "/gateway.conf")
        let r = try run(["-c", prefix + "/nginx.conf"])
        guard r.status == 0 else { throw GatewayError.failed("nginx did not start: \(r.output.trimmingCharacters(in: .whitespacesAndNewlines))", hint: "see \(prefix)/logs/error.log") }
        try waitUntil(seconds: 10, what: "nginx to answer on \(listen)") {
            (try? LoopbackHTTP.request(port: port, path: "/__platflow/health"))?.status == 200
        }
    }

    /// Runs nginx in the foreground until it exits (`platflow gateway serve`).
    public func runForeground(rendered: String) throws -> Int32 {
        try prepare()
        try test(rendered)
        try writeMain(for: rendered)
        try FileManager.default.moveItemReplacing(prefix + "/gateway.next.conf", to: prefix + "/gateway.conf")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: nginx)
        p.arguments = ["-p", prefix + "/", "-e", prefix + "/logs/error.log", "-c", prefix + "/nginx.conf", "-g", "daemon off;"]
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Asks nginx to finish its requests and exit, and waits for it to be gone.
    public func stop() throws {
        guard let pid = runningPID else { return }
        kill(pid, SIGQUIT)
        try waitUntil(seconds: 10, what: "nginx (pid \(pid)) to exit") { kill(pid, 0) != 0 }
    }

    /// `nginx -t` on a candidate; a failure names nginx's complaint and changes nothing.
    func test(_ rendered: String) throws {
        try checkLuaModule(for: rendered)
        try mainConfig(including: "gateway.next.conf", lua: NginxRenderer.usesLua(rendered))
            .write(toFile: prefix + "/nginx.test.conf", atomically: true, encoding: .utf8)
        try rendered.write(toFile: prefix + "/gateway.next.conf", atomically: true, encoding: .utf8)
        let r = try run(["-t", "-q", "-c", prefix + "/nginx.test.conf"])
        guard r.status == 0 else {
            try? FileManager.default.removeItem(atPath: prefix + "/gateway.next.conf")
            throw GatewayError.failed("nginx -t refused the rendered configuration: \(r.output.trimmingCharacters(in: .whitespacesAndNewlines))",
                                      hint: "the previous release keeps serving")
        }
        guard NginxRenderer.usesLua(rendered) else { return }
        try NginxDataPlane.mainConfig(prefix: prefix, listen: listen, including: "gateway.next.conf", modules: modules, luaCheck: true)
            .write(toFile: prefix + "/nginx.luacheck.conf", atomically: true, encoding: .utf8)
        let check = try ProcessRunner.run(ProcessSpec(
            arguments: [nginx, "-p", prefix + "/", "-e", prefix + "/logs/error.log", "-c", prefix + "/nginx.luacheck.conf", "-g", "daemon off; master_process off;"],
            environment: ProcessInfo.processInfo.environment.merging([NginxRenderer.luaCheckVariable: "1"]) { $1 }, timeout: 30))
        guard check.exitCode == 0 else {
            try? FileManager.default.removeItem(atPath: prefix + "/gateway.next.conf")
            throw GatewayError.failed("nginx's Lua module refused a plugin's Lua block: \(String(decoding: check.stdout + check.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))",
                                      hint: "the block is named '=plugin NAME PHASE ZONE'; the previous release keeps serving")
        }
    }

    /// Tests, swaps in and reloads `rendered`, then probes each `(server name, release id)` until it answers
    /// that release. Any failure restores the previous configuration (and reloads it) before throwing. When no
    /// nginx runs for the prefix, the file is only tested and written: the next start serves it.
    public func apply(rendered: String, expect probes: [(serverName: String, release: String)]) throws {
        try apply(rendered: rendered, probes: probes.map { Probe(serverName: $0.serverName, path: "/__platflow/release", token: $0.release) })
    }

    /// A route that must answer `token` (its body's first word) once a new configuration is live.
    public struct Probe: Sendable {
        public var serverName: String
        public var path: String
        public var token: String

        public init(serverName: String, path: String, token: String) {
            self.serverName = serverName
            self.path = path
            self.token = token
        }
    }

    /// Tests, swaps in and reloads `rendered`, then waits for every probe, as `apply(rendered:expect:)`.
    public func apply(rendered: String, probes: [Probe]) throws {
        try prepare()
        try test(rendered)
        let live = prefix + "/gateway.conf", previous = prefix + "/gateway.previous.conf"
        try? FileManager.default.removeItem(atPath: previous)
        try FileManager.default.copyItem(atPath: live, toPath: previous)
        let previousText = try String(contentsOfFile: live, encoding: .utf8)
        try writeMain(for: rendered)
        try FileManager.default.moveItemReplacing(prefix + "/gateway.next.conf", to: live)
        guard let pid = runningPID else { return }
        do {
            let oldWorkers = NginxDataPlane.children(of: pid)
            kill(pid, SIGHUP)
            // A reload exits at once and old workers may still accept connections for a while: wait until the
            // workers of the previous configuration are gone, then probe.
            try waitUntil(seconds: 10, what: "the previous nginx workers to exit") {
                oldWorkers.allSatisfy { !NginxDataPlane.children(of: pid).contains($0) }
            }
            for p in probes {
                try waitUntil(seconds: 10, what: "\(p.serverName) to answer \(p.token) on \(p.path)") {
                    guard let r = try? LoopbackHTTP.request(port: port, path: p.path, host: p.serverName) else { return false }
                    let first = r.body.split(whereSeparator: { $0 == " " || $0 == "\n" }).first.map(String.init)
                    return r.status == 200 && first == p.token
                }
            }
        } catch {
            try? FileManager.default.moveItemReplacing(previous, to: live)
            try? writeMain(for: previousText)
            kill(pid, SIGHUP)
            throw error
        }
    }

    /// The pids whose parent is `pid` (nginx's workers), from /proc.
    static func children(of pid: Int32) -> Set<Int32> {
        var out = Set<Int32>()
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After "(comm)": state, then the parent pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == pid, fields[0] != "Z" { out.insert(child) }
        }
        return out
    }

    func waitUntil(seconds: Double, what: String, _ ok: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try ok() { return }
            usleep(50_000)
        }
        throw GatewayError.failed("gave up waiting \(Int(seconds))s for \(what)", hint: "see \(prefix)/logs/error.log")
    }
}

extension FileManager {
    /// rename(2): replaces `to` atomically.
    func moveItemReplacing(_ from: String, to: String) throws {
        guard rename(from, to) == 0 else { throw GatewayError.failed("cannot rename \(from) to \(to): \(String(cString: strerror(errno)))", hint: nil) }
    }
}

/// A minimal HTTP/1.0 client that only ever connects to 127.0.0.1: probes and tests talk to the local nginx.
public enum LoopbackHTTP {
    public struct Response: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: String
    }

    public static func request(port: Int, method: String = "GET", path: String, host: String = "localhost",
                               headers: [String: String] = [:], timeout: Int = 5) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw GatewayError.failed("socket: \(String(cString: strerror(errno)))", hint: nil) }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let c = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard c == 0 else { throw GatewayError.failed("connect 127.0.0.1:\(port): \(String(cString: strerror(errno)))", hint: nil) }
        var req = "\(method) \(path) HTTP/1.0\r\nHost: \(host)\r\n"
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { req += "\(k): \(v)\r\n" }
        req += "\r\n"
        let bytes = Array(req.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw GatewayError.failed("send to 127.0.0.1:\(port) failed", hint: nil) }
            sent += n
        }
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            data += buf[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw GatewayError.failed("no HTTP response from 127.0.0.1:\(port)", hint: nil) }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count >= 2, let status = Int(parts[1]) else { throw GatewayError.failed("bad status line from 127.0.0.1:\(port)", hint: nil) }
        var hs: [String: String] = [:]
        for l in lines.dropFirst() {
            if let i = l.firstIndex(of: ":") { hs[l[..<i].lowercased()] = l[l.index(after: i)...].trimmingCharacters(in: .whitespaces) }
        }
        return Response(status: status, headers: hs, body: String(text[split.upperBound...]))
    }
}
