import Foundation
import Testing
import PlatEngine
import PlatJobs
import PlatLang
@testable import PlatContainers

/// Copies to and from a running container (`transport: "podman"` hosts): folders up (inner folders created, an
/// existing folder as the target means "into it"), folders, globs and files down, and what is refused.
@Suite(.serialized) struct PodmanTransportTests {
    /// One running pod of one replica; its container as a podman host.
    final class Box {
        let fixture: ClusterFixture
        let host: PlatJobs.Host
        let options: CopyOptions
        init(_ name: String) throws {
            fixture = try ClusterFixture(name, nodes: ["n1"])
            try fixture.apps.deploy(cluster: fixture.cluster, namespace: "t", app: "box", chart: "-",
                                    manifests: [ClusterFixture.deployment(replicas: 1)], valuesJSON: "{}", description: "install",
                                    mustExist: false)
            let pod = try #require(try fixture.pods("box", "t").first)
            let node = try fixture.store.requireNode(cluster: fixture.cluster, name: pod.node)
            host = PlatJobs.Host(name: "box-0", address: pod.name + "-main", transport: "podman", vars: ["storage": node.address])
            var transports = TransportRegistry.standard
            let env = try PodmanTestKit.environment()
            try transports.register(kind: "podman") { _ in PodmanTransport(environment: env) }
            var o = CopyOptions()
            o.transports = transports
            options = o
        }
        func sh(_ script: String) throws -> String {
            let r = try PodmanTransport(environment: try PodmanTestKit.environment()).run(ScriptJob(script: script, language: .sh), on: host)
            #expect(r.exitCode == 0, "\(script): \(r.stderrText)")
            return r.stdoutText
        }
    }

    static func tree(_ dir: String) throws -> [String: String] {
        let files = ["tree/a.txt": "alpha\n", "tree/sub/b.txt": "beta\n", "tree/sub/deep/c.txt": "gamma\n", "tree/.hidden": "h\n"]
        for (rel, text) in files {
            let path = dir + "/" + rel
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return files
    }

    @Test func aFolderGoesUpIntoAContainerWithItsInnerFolders() throws {
        let box = try Box("ptup")
        defer { box.fixture.cleanUp() }
        let files = try Self.tree(box.fixture.folder)
        let up = FileDistributor.copy(try FileDistributor.expand([.local(box.fixture.folder + "/tree")]), to: box.host,
                                      dest: "/srv/", options: box.options)
        #expect(up.status == .ok, "\(up.files.map { "\($0.destination): \($0.error ?? "ok")" })")
        #expect(Set(up.files.map(\.destination)) == Set(files.keys.map { "/srv/" + $0 }))
        for (rel, text) in files { #expect(try box.sh("cat /srv/\(rel)") == text, "\(rel)") }
        // Contents only (a trailing slash), into a folder that does not exist yet in mode force.
        let contents = FileDistributor.copy(try FileDistributor.expand([.local(box.fixture.folder + "/tree/sub/")]), to: box.host,
                                            dest: "/opt/app/", options: box.options)
        #expect(contents.status == .ok)
        #expect(try box.sh("cat /opt/app/b.txt /opt/app/deep/c.txt") == "beta\ngamma\n")
        // A file named as the target that is an existing folder lands inside it.
        let into = FileDistributor.copy(try FileDistributor.expand([.local(box.fixture.folder + "/tree/a.txt")]), to: box.host,
                                        dest: "/srv/tree", options: box.options)
        #expect(into.files.map(\.destination) == ["/srv/tree/a.txt"] && into.status == .ok)
        // Mode strict: a missing folder is refused, and nothing is written.
        var strict = box.options
        strict.mode = .strict
        let refused = FileDistributor.copy(try FileDistributor.expand([.local(box.fixture.folder + "/tree")]), to: box.host,
                                           dest: "/missing/", options: strict)
        #expect(refused.status == .failed)
        #expect(refused.files.allSatisfy { ($0.error ?? "").contains("does not exist") })
        #expect(try box.sh("test -e /missing && echo there || echo absent") == "absent\n")
        // No temporary file is left beside the targets.
        #expect(try box.sh("ls -A /srv/tree /srv/tree/sub | grep -c platflow || true") == "0\n")
    }

    @Test func aFolderAGlobAndAFileComeDownFromAContainer() throws {
        let box = try Box("ptdown")
        defer { box.fixture.cleanUp() }
        // Written so that running it twice gives the same tree: on a loaded machine, through the namespace wrapper,
        // the script was seen to find its own link already made (twice in four fresh-machine runs, never here).
        _ = try box.sh("mkdir -p /data/logs/old /data/empty && echo one > /data/logs/a.log && echo two > /data/logs/old/b.log "
                       + "&& echo three > /data/logs/c.txt && ln -sfn /etc/passwd /data/logs/link")
        let out = box.fixture.folder + "/down"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let here = PlatJobs.Host(name: "here", address: "here", root: out)
        let folder = FileDistributor.copy(try FileDistributor.expand([.remote(host: box.host, path: "/data/logs")], options: box.options),
                                          to: here, dest: "/", options: box.options)
        #expect(try String(contentsOfFile: out + "/logs/a.log", encoding: .utf8) == "one\n")
        #expect(try String(contentsOfFile: out + "/logs/old/b.log", encoding: .utf8) == "two\n")
        #expect(try String(contentsOfFile: out + "/logs/c.txt", encoding: .utf8) == "three\n")
        // The link inside the folder is listed as skipped, never followed.
        #expect(folder.files.first { $0.source.hasSuffix("/data/logs/link") }?.status == .skipped)
        #expect(!FileManager.default.fileExists(atPath: out + "/logs/link"))
        #expect(folder.files.filter { $0.status == .ok }.count == 3)

        let glob = FileDistributor.copy(try FileDistributor.expand([.remote(host: box.host, path: "/data/logs/*.log")], options: box.options),
                                        to: here, dest: "/glob/", options: box.options)
        #expect(glob.status == .ok && glob.files.count == 1)
        #expect(try String(contentsOfFile: out + "/glob/a.log", encoding: .utf8) == "one\n")

        let contents = FileDistributor.copy(try FileDistributor.expand([.remote(host: box.host, path: "/data/logs/old/")], options: box.options),
                                            to: here, dest: "/flat/", options: box.options)
        #expect(contents.status == .ok)
        #expect(try String(contentsOfFile: out + "/flat/b.log", encoding: .utf8) == "two\n")

        // A listing carries the SHA-256 the download is checked against.
        let transport = PodmanTransport(environment: try PodmanTestKit.environment())
        let listed = try transport.list("/data/logs/c.txt", on: box.host, control: CopyControl(timeout: 60, owner: nil))
        #expect(listed.isSingleFile && listed.files.first?.sha256 == SHA256.hex(Array("three\n".utf8)))

        // Nothing there, an empty folder: the source fails with a clear message, nothing is copied.
        for (path, said) in [("/data/nope", "does not exist"), ("/data/x*", "no file matches"), ("/data/empty", "no files in it")] {
            let source = try FileDistributor.expand([.remote(host: box.host, path: path)], options: box.options)
            let error = source.first?.error ?? "no error"
            #expect(error.range(of: said) != nil, "\(path): \(error)")
        }
    }
}
