import Foundation
import PlatEngine
import PlatLang
import PlatStore
import Testing
@testable import PlatJobs
#if canImport(Glibc)
import Glibc
#endif

// Foundation has a `Host` class too.
private typealias Host = PlatJobs.Host

/// A transport another module could add: its hosts' "file systems" are folders here (`base/HOST/...`), its
/// scripts are not run but answered, and every call is logged, so tests see that the job platform went through
/// the protocol. Uploads follow the contract: a temporary name beside the target, the digest proved by
/// reading the file back, then a rename; at that moment the log records what the target held.
private struct FakeTransport: HostTransport {
    let base: String
    let log: CallLog

    func folder(_ host: Host) -> String { base + "/" + host.name }

    func run(_ job: ScriptJob, on host: Host) throws -> ProcessResult {
        log.add("run \(host.name)")
        let out = Array("fake ran on \(host.name): \(job.script)".utf8)
        return ProcessResult(exitCode: 0, signal: nil, stdout: out, stderr: [], stdoutDropped: 0, stderrDropped: 0,
                             timedOut: false, duration: 0.001)
    }

    func upload(_ file: FileUpload, to host: Host) throws -> UploadReceipt {
        let d = file.destination
        log.add("upload \(host.name) \(d.path)")
        let dir = folder(host) + "/" + (d.folder + d.inner).joined(separator: "/")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let target = dir + "/" + d.name
        let temporary = dir + "/." + d.name + ".fake-tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let out = FileHandle(forWritingAtPath: temporary) else { throw RuntimeError("cannot create \(temporary)") }
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        while let chunk = try file.next() { out.write(Data(chunk)) }
        try out.close()
        chmod(temporary, mode_t(file.permissions))
        file.wroteTemporary(temporary)
        let landed = SHA256.hex(Array(FileManager.default.contents(atPath: temporary) ?? Data()))
        guard landed == file.sha256 else { throw file.mismatch(on: host, path: d.path, found: landed) }
        let before = FileManager.default.contents(atPath: target).map { String(decoding: $0, as: UTF8.self) } ?? "<none>"
        log.add("target before rename: \(before)")
        guard rename(temporary, target) == 0 else { throw RuntimeError("cannot rename onto \(target)") }
        return UploadReceipt(bytes: file.bytesSent, sha256: landed, path: d.path)
    }

    func list(_ path: String, on host: Host, control: CopyControl) throws -> FileListing {
        log.add("list \(host.name) \(path)")
        guard let bytes = FileManager.default.contents(atPath: folder(host) + path) else {
            return FileListing(files: [], isSingleFile: false, problems: ["\(host.name):\(path) does not exist"])
        }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return FileListing(files: [ListedFile(path: path, relativePath: name, size: Int64(bytes.count),
                                              sha256: SHA256.hex(Array(bytes)))], isSingleFile: true)
    }

    func download(_ file: ListedFile, from host: Host, control: CopyControl) throws -> any ByteStream {
        log.add("download \(host.name) \(file.path)")
        return MemoryStream(Array(FileManager.default.contents(atPath: folder(host) + file.path) ?? Data()))
    }
}

private final class MemoryStream: ByteStream {
    private let bytes: [UInt8]
    private var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawBufferPointer, control: CopyControl) throws -> Int {
        try control.check()
        let n = min(buffer.count, bytes.count - offset)
        if n > 0 {
            bytes[offset..<(offset + n)].withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        offset += n
        return n
    }

    func finish(control: CopyControl) throws {}
}

private final class CallLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

private final class Output: RunOutput, @unchecked Sendable {
    private let lock = NSLock()
    private var printed = ""
    func program(_ text: String) { lock.lock(); printed += text; lock.unlock() }
    func event(_ event: RunEvent) {}
    var text: String { lock.lock(); defer { lock.unlock() }; return printed }
}

private func scratch(_ tag: String = #function) -> String { scratchFolder("transport", test: tag) }

private func registry(with fake: FakeTransport) throws -> TransportRegistry {
    var r = TransportRegistry.standard
    try r.register(kind: "fake") { _ in fake }
    return r
}

private func text(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

@Suite struct TransportRegistryTests {
    @Test func kindsAreRegisteredOnceAndFoundByHost() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(TransportRegistry.standard.kinds == ["local", "ssh"])
        #expect(TransportRegistry().kinds.isEmpty)
        let fake = FakeTransport(base: dir, log: CallLog())
        var r = try registry(with: fake)
        #expect(r.kinds == ["fake", "local", "ssh"])
        #expect(try r.transport(for: Host(name: "c1", transport: "fake")) is FakeTransport)
        #expect(try r.transport(for: Host(name: "web", transport: .ssh)) is SSHTransport)
        #expect(try r.transport(for: Host(name: "sim", root: dir)) is LocalTransport)
        // A kind is registered once, unless the later registration says it replaces the first.
        #expect(throws: RuntimeError.self) { try r.register(kind: "fake") { _ in fake } }
        try r.register(kind: "local", replacing: true) { _ in fake }
        #expect(try r.transport(for: Host(name: "sim", root: dir)) is FakeTransport)
        #expect(throws: RuntimeError.self) { try r.register(kind: "no spaces") { _ in fake } }
        // The standard registry is a value: nothing registered here leaks into it.
        #expect(try TransportRegistry.standard.transport(for: Host(name: "sim", root: dir)) is LocalTransport)
    }

    @Test func anUnknownKindNamesTheKnownOnes() throws {
        let r = try registry(with: FakeTransport(base: "/nonexistent", log: CallLog()))
        let host = try Host.from(Value.makeMap([("name", .string("web-01")), ("transport", .string("shh"))]))
        #expect(host.transport.rawValue == "shh")
        do {
            _ = try r.transport(for: host)
            Issue.record("an unknown transport was accepted")
        } catch let e as RuntimeError {
            #expect(e.message == "host web-01: unknown transport 'shh'; did you mean 'ssh'? (known transports: fake, local, ssh)")
        }
        #expect(throws: RuntimeError.self) { try r.check(host) }
        #expect(throws: RuntimeError.self) {
            try FleetTargets(.list([.string("h1"), Value.makeMap([("name", .string("web-01")), ("transport", .string("shh"))])]),
                             transports: r)
        }
        // Nothing close: no guess, still the list.
        let odd = Host(name: "x", transport: "zzzzzzzz")
        #expect(throws: RuntimeError.self) { try r.check(odd) }
        do { _ = try r.transport(for: odd) } catch let e as RuntimeError {
            #expect(e.message == "host x: unknown transport 'zzzzzzzz' (known transports: fake, local, ssh)")
        }
        // A kind that cannot be a name is refused when the host map is read.
        #expect(throws: RuntimeError.self) {
            try Host.from(Value.makeMap([("name", .string("a")), ("transport", .string("ssh; rm"))]))
        }
    }

    @Test func copyUploadsAndListsThroughARegisteredTransport() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = CallLog()
        let fake = FakeTransport(base: dir + "/fake", log: log)
        var options = CopyOptions()
        options.transports = try registry(with: fake)
        let src = dir + "/app.conf"
        try "new settings".write(toFile: src, atomically: true, encoding: .utf8)
        chmod(src, 0o640)
        let c1 = Host(name: "c1", transport: "fake")
        try FileManager.default.createDirectory(atPath: dir + "/fake/c1/etc/app", withIntermediateDirectories: true)
        try "old settings".write(toFile: dir + "/fake/c1/etc/app/app.conf", atomically: true, encoding: .utf8)

        let expanded = try FileDistributor.expand([.local(src)], options: options)
        let r = FileDistributor.copy(expanded, to: c1, dest: "/etc/app/", options: options)
        #expect(r.status == .ok, "\(r.error ?? "")")
        #expect(text(dir + "/fake/c1/etc/app/app.conf") == "new settings")
        #expect(r.files.first?.sha256 == SHA256.hex(Array("new settings".utf8)))
        #expect(r.files.first?.destination == "/etc/app/app.conf")
        #expect(log.all == ["upload c1 /etc/app/app.conf", "target before rename: old settings"])
        var st = stat()
        #expect(stat(dir + "/fake/c1/etc/app/app.conf", &st) == 0 && st.st_mode & 0o777 == 0o640)

        // The digest the transport must prove is the one of the bytes sent: damage on the way is caught.
        var corrupt = options
        corrupt.afterWriteHook = { _, path in try? "tampered".write(toFile: path, atomically: false, encoding: .utf8) }
        let bad = FileDistributor.copy(expanded, to: c1, dest: "/etc/app/", options: corrupt)
        #expect(bad.status == .failed)
        #expect(bad.error?.contains("checksum mismatch") == true, "\(bad.error ?? "")")
        #expect(text(dir + "/fake/c1/etc/app/app.conf") == "new settings")

        // A file on a host of that kind is listed and streamed down by the transport, then checked.
        let sink = Host(name: "sink", root: dir + "/sink")
        let down = try FileDistributor.expand([.remote(host: c1, path: "/etc/app/app.conf")], options: options)
        #expect(down.first?.error == nil)
        let d = FileDistributor.copy(down, to: sink, dest: "/in/", options: options)
        #expect(d.status == .ok, "\(d.error ?? "")")
        #expect(text(dir + "/sink/in/app.conf") == "new settings")
        #expect(log.all.suffix(2) == ["list c1 /etc/app/app.conf", "download c1 /etc/app/app.conf"])
        #expect(d.files.first?.source == "c1:/etc/app/app.conf")

        // A host whose kind is unknown fails each of its files with the registry's message.
        let lost = FileDistributor.copy(expanded, to: Host(name: "c9", transport: "fak"), dest: "/x/", options: options)
        #expect(lost.status == .failed)
        #expect(lost.error?.contains("unknown transport 'fak'; did you mean 'fake'?") == true, "\(lost.error ?? "")")
    }

    @Test func localTransportFilesThroughTheProtocol() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let host = Host(name: "sim", root: dir + "/root")
        try FileManager.default.createDirectory(atPath: dir + "/root/etc", withIntermediateDirectories: true)
        try "hello".write(toFile: dir + "/root/etc/motd", atomically: true, encoding: .utf8)
        try "outside".write(toFile: dir + "/secret", atomically: true, encoding: .utf8)
        symlink(dir + "/secret", dir + "/root/etc/leak")
        let t = LocalTransport()
        let control = CopyControl(timeout: 10, owner: nil)
        let listing = try t.list("/etc/motd", on: host, control: control)
        #expect(listing.isSingleFile)
        #expect(listing.files.map(\.path) == ["/etc/motd"])
        #expect(listing.files.first?.size == 5)
        let file = try #require(listing.files.first)
        let stream = try t.download(file, from: host, control: control)
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = try buffer.withUnsafeMutableBytes { try stream.read(into: $0, control: control) }
        try stream.finish(control: control)
        #expect(String(decoding: buffer[0..<n], as: UTF8.self) == "hello")
        // Confined to the host's root: no way out by `..` or by a link.
        #expect(throws: CopyError.self) { try t.list("/../secret", on: host, control: control) }
        #expect(throws: CopyError.self) { try t.list("/etc/leak", on: host, control: control) }
        // Not a local host: refused rather than read from this machine.
        #expect(throws: RuntimeError.self) { try t.list("/etc/motd", on: Host(name: "r", transport: .ssh), control: control) }
    }

    @Test func shOnHostsAndCopyInAPlanUseTheModulesRegistry() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = CallLog()
        let jobs = JobsModule(transports: try registry(with: FakeTransport(base: dir + "/fake", log: log)))
        let store = try RunStore.open(path: dir + "/engine.db", modules: try ModuleSet([jobs]), durability: .normal)
        try "payload".write(toFile: dir + "/payload.txt", atomically: true, encoding: .utf8)
        let file = dir + "/fake.plat"
        try """
            plan main(src: string) {
                let hosts = [{name: "c1", transport: "fake"}, {name: "c2", transport: "fake"}]
                step "run" {
                    let r = sh(hosts, "echo hi")
                    print(r.ok, r.hosts[0].stdout)
                }
                step "ship" {
                    let c = copy(from: src, to: hosts, dest: "/srv/")
                    print(c.ok)
                }
            }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let out = Output()
        let executor = RunExecutor(store: store, output: out)
        let id = try executor.create(file: file, plan: nil, params: ["src": dir + "/payload.txt"]).id
        let outcome = try executor.execute(id)
        guard case .succeeded = outcome else { Issue.record("run failed: \(outcome)"); return }
        #expect(out.text == "2 fake ran on c1: echo hi\n2\n")
        #expect(Set(log.all.filter { $0.hasPrefix("run ") }) == ["run c1", "run c2"])
        #expect(Set(log.all.filter { $0.hasPrefix("upload ") }) == ["upload c1 /srv/payload.txt", "upload c2 /srv/payload.txt"])
        #expect(text(dir + "/fake/c1/srv/payload.txt") == "payload")
        #expect(text(dir + "/fake/c2/srv/payload.txt") == "payload")

        // A misspelt kind stops the step before any host is touched, with the known kinds in the message.
        try """
            plan main() {
                step "run" { sh([{name: "c1", transport: "fkae"}], "echo hi") }
            }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let before = log.all.count
        let id2 = try executor.create(file: file, plan: nil, params: [:]).id
        let failed = try executor.execute(id2)
        guard case .failed(let message) = failed else { Issue.record("expected a failure, got \(failed)"); return }
        #expect(message.contains("unknown transport 'fkae'; did you mean 'fake'? (known transports: fake, local, ssh)"), "\(message)")
        #expect(log.all.count == before)
    }
}

/// A module of its own that reaches "fake" hosts: it provides the kind, and the job platform, unchanged, runs on
/// its hosts when both modules are in the set.
private final class FakeHostsModule: PlatModule, TransportProvider {
    let name = "fakehosts"
    let fake: FakeTransport
    init(_ fake: FakeTransport) { self.fake = fake }
    func registerTransports(into registry: inout TransportRegistry) throws {
        let fake = self.fake
        try registry.register(kind: "fake") { _ in fake }
    }
}

@Suite struct TransportProviderTests {
    private func run(_ modules: ModuleSet, _ dir: String, _ source: String) throws -> (RunOutcome, String) {
        let store = try RunStore.open(path: dir + "/engine.db", modules: modules, durability: .normal)
        let file = dir + "/provided.plat"
        try source.write(toFile: file, atomically: true, encoding: .utf8)
        let out = Output()
        let executor = RunExecutor(store: store, output: out)
        let id = try executor.create(file: file, plan: nil, params: [:]).id
        return (try executor.execute(id), out.text)
    }

    @Test("a module in the set adds a transport kind: sh and copy reach its hosts; without it the kind is unknown")
    func aModuleProvidesAKind() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = CallLog()
        let fake = FakeTransport(base: dir + "/fake", log: log)
        try "bits".write(toFile: dir + "/bits.txt", atomically: true, encoding: .utf8)
        let plan = """
            plan main() {
                let hosts = [{name: "p1", transport: "fake"}]
                step "run" { print(sh(hosts, "uptime").hosts[0].stdout) }
                step "ship" { print(copy(from: "\(dir)/bits.txt", to: hosts, dest: "/opt/").ok) }
            }
            """
        let (outcome, printed) = try run(try ModuleSet([JobsModule(), FakeHostsModule(fake)]), dir, plan)
        guard case .succeeded = outcome else { Issue.record("run failed: \(outcome)"); return }
        #expect(printed == "fake ran on p1: uptime\n1\n")
        #expect(text(dir + "/fake/p1/opt/bits.txt") == "bits")

        let other = scratch("withoutProvider")
        defer { try? FileManager.default.removeItem(atPath: other) }
        let (refused, _) = try run(try ModuleSet([JobsModule()]), other, plan)
        guard case .failed(let message) = refused else { Issue.record("expected a failure, got \(refused)"); return }
        #expect(message.contains("unknown transport 'fake'"), "\(message)")
    }

    @Test("two modules providing one kind are refused, naming the kind")
    func twoProvidersOfOneKind() throws {
        let fake = FakeTransport(base: "/nonexistent", log: CallLog())
        let set = try ModuleSet([JobsModule(), FakeHostsModule(fake), FakeHostsModule(fake)])
        #expect(throws: RuntimeError.self) { try TransportRegistry.standard.including(set) }
    }
}
