import Foundation

/// A registry on loopback for images: Debian's `docker-registry` (the distribution project's registry) with a
/// configuration platflow writes, listening on 127.0.0.1 only, storing under a folder of its own. Plain HTTP,
/// so podman pushes to it with --tls-verify=false.
public struct RegistryServer {
    public var port: Int
    /// The folder holding config.yml and the registry's data (`data/`).
    public var directory: String
    public var program: String

    public static let defaultPort = 5000
    public static let defaultProgram = "/usr/bin/docker-registry"

    public init(port: Int = RegistryServer.defaultPort, directory: String, program: String = RegistryServer.defaultProgram) {
        self.port = port
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL.path
        self.program = program
    }

    public var address: String { "127.0.0.1:\(port)" }
    public var configPath: String { directory + "/config.yml" }

    /// The registry's configuration: loopback only, filesystem storage under `directory/data`, deletes allowed
    /// (so `image remove` can be mirrored), no storage health checks (nothing to check on a local folder).
    public var configuration: String {
        """
        # Written by platflow registry serve; rewritten at every start.
        version: 0.1
        log:
          level: info
          fields:
            service: registry
        storage:
          filesystem:
            rootdirectory: \(directory)/data
          delete:
            enabled: true
        http:
          addr: \(address)
          headers:
            X-Content-Type-Options: [nosniff]

        """
    }

    /// Checks the port and the program, makes the folder and writes config.yml. Returns the argv that serves.
    public func prepare() throws -> [String] {
        guard (1...65535).contains(port) else { throw ContainerInputError("port \(port) is not from 1 to 65535") }
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw ContainerInputError("\(program) is not installed", hint: "apt-get install docker-registry (scripts/setup.sh), or name it with --program")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
            try Data(configuration.utf8).write(to: URL(fileURLWithPath: configPath), options: .atomic)
        } catch {
            throw ContainerInputError("cannot write the registry's folder \(directory): \(error.localizedDescription)")
        }
        return [program, "serve", configPath]
    }

    /// Replaces this process with the registry (the process id stays, so whoever started `registry serve`
    /// stops the registry by signalling it). Returns only on failure.
    public func exec() throws -> Never {
        let argv = try prepare()
        var cArgs = argv.map { strdup($0) }
        cArgs.append(nil)
        execv(argv[0], cArgs)
        let reason = String(cString: strerror(errno))
        throw ContainerInputError("cannot start \(argv[0]): \(reason)")
    }
}
