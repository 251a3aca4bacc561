import Foundation
import Testing
import PlatEngine
import PlatJobs
@testable import PlatContainers

@Suite(.serialized) struct PodmanDriverTests {
    @Test func runsListsAndRemovesLabelledPodsAndContainers() throws {
        let dir = try PodmanTestKit.scratch("driver")
        let podman = try PodmanTestKit.node("n1", in: dir)
        defer { PodmanTestKit.cleanUp([podman], folder: dir) }

        let labels = ["platflow.app": "web", "platflow.replica": "0"]
        try podman.createPod(name: "web-0", labels: labels)
        try podman.run(ContainerLaunch(name: "web-0-main", image: PodmanTestKit.baseImage,
                                       command: ["sh", "-c"], args: ["echo hello; sleep 300"],
                                       environment: [("GREETING", "hi there")], labels: labels, pod: "web-0",
                                       cpus: 0.5, memoryBytes: 64 << 20, healthCommand: ["test", "-e", "/bin/sh"]))
        let listed = try podman.containers(labels: ["platflow.app": "web"])
        #expect(listed.map(\.name) == ["web-0-main"])
        #expect(listed.first?.labels["platflow.replica"] == "0")
        #expect(listed.first?.podName == "web-0")
        #expect(listed.first?.isRunning == true)
        #expect(try podman.containers(labels: ["platflow.app": "other"]).isEmpty)
        #expect(try podman.pods(labels: labels).map(\.name) == ["web-0"])
        #expect(try podman.healthcheck("web-0-main"))

        let env = try podman.exec("web-0-main", ["sh", "-c", "echo $GREETING"])
        #expect(env.stdoutText == "hi there\n")
        #expect(try podman.logs("web-0-main").stdoutText.contains("hello"))
        let stats = try podman.stats(["web-0-main"])
        #expect(stats.count == 1 && stats[0].memoryLimitBytes > 0 && stats[0].memoryLimitBytes <= 70_000_000)

        try podman.removePod("web-0")
        #expect(try podman.containers(labels: labels).isEmpty)
        try podman.removePod("web-0")  // already gone: not an error
    }

    @Test func aMissingImageIsAClearError() throws {
        let dir = try PodmanTestKit.scratch("driver-missing")
        let podman = try PodmanTestKit.node("n1", in: dir)
        defer { PodmanTestKit.cleanUp([podman], folder: dir) }
        #expect(try podman.imageExists(PodmanTestKit.baseImage))
        #expect(try !podman.imageExists("localhost/nothing:9"))
        #expect(throws: PodmanError.self) {
            try podman.run(ContainerLaunch(name: "x", image: "localhost/nothing:9", args: ["true"]))
        }
    }

    @Test func aMissingPodmanIsNamed() throws {
        var env = ProcessInfo.processInfo.environment
        env[Podman.programVariable] = "podman-that-is-not-installed"
        let podman = Podman.local(NodeStorage(folder: "/tmp/none"), environment: env)
        let error = #expect(throws: PodmanError.self) { try podman.version() }
        #expect(error?.message.contains("podman-that-is-not-installed is not installed") == true)
    }

    @Test func readsPodmansFigures() {
        #expect(PodmanStats.bytes("462.8kB") == 462_800)
        #expect(PodmanStats.bytes("67.11MB") == 67_110_000)
        #expect(PodmanStats.bytes("1GiB") == 1_073_741_824)
        #expect(PodmanStats.bytes("12B") == 12)
        #expect(PodmanStats.bytes("lots") == nil)
    }

    @Test func aRemoteNodeRunsPodmanThroughSSH() {
        let host = PlatJobs.Host(name: "far", address: "10.0.0.9", transport: .ssh)
        let podman = Podman(endpoint: .remote(host), environment: [:])
        let argv = podman.commandLine(["ps", "--format", "json"])
        #expect(argv.first == "ssh")
        #expect(argv.last == "'podman' 'ps' '--format' 'json'")
    }
}
