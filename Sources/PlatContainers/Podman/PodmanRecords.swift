import Foundation

/// A container as `podman ps -a --format json` lists it (the fields platflow reads).
public struct PodmanContainer: Decodable, Sendable, Equatable {
    public let id: String
    public let names: [String]
    public let image: String
    /// `created`, `running`, `exited`, `stopped`, `paused`...
    public let state: String
    /// podman's words for it: `Up 2 minutes (healthy)`, `Exited (1) 3 seconds ago`.
    public let status: String
    public let labels: [String: String]
    public let podName: String
    public let exitCode: Int
    public let isInfra: Bool

    public var name: String { names.first ?? id }
    public var isRunning: Bool { state == "running" }

    /// The last health-check result podman recorded (`healthy`, `unhealthy`, `starting`), nil for a container
    /// without a health check.
    public var health: String? {
        for word in ["unhealthy", "healthy", "starting"] where status.contains("(\(word))") { return word }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", names = "Names", image = "Image", state = "State", status = "Status", labels = "Labels"
        case podName = "PodName", exitCode = "ExitCode", isInfra = "IsInfra"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        names = try c.decodeIfPresent([String].self, forKey: .names) ?? []
        image = try c.decodeIfPresent(String.self, forKey: .image) ?? ""
        state = try c.decodeIfPresent(String.self, forKey: .state) ?? "unknown"
        status = try c.decodeIfPresent(String.self, forKey: .status) ?? ""
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        podName = try c.decodeIfPresent(String.self, forKey: .podName) ?? ""
        exitCode = try c.decodeIfPresent(Int.self, forKey: .exitCode) ?? 0
        isInfra = try c.decodeIfPresent(Bool.self, forKey: .isInfra) ?? false
    }
}

/// A pod as `podman pod ps --format json` lists it.
public struct PodmanPod: Decodable, Sendable, Equatable {
    public let id: String
    public let name: String
    /// `Created`, `Running`, `Exited`, `Degraded`, `Stopped`...
    public let status: String
    public let labels: [String: String]
    public let containers: [Member]

    public struct Member: Decodable, Sendable, Equatable {
        public let id: String
        public let name: String
        public let status: String
        enum CodingKeys: String, CodingKey { case id = "Id", name = "Names", status = "Status" }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", name = "Name", status = "Status", labels = "Labels", containers = "Containers"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? id
        status = try c.decodeIfPresent(String.self, forKey: .status) ?? "Unknown"
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        containers = try c.decodeIfPresent([Member].self, forKey: .containers) ?? []
    }
}

/// An image as `podman images --format json` lists it.
public struct PodmanImage: Decodable, Sendable, Equatable {
    public let id: String
    public let names: [String]
    public let digest: String
    public let size: Int64

    enum CodingKeys: String, CodingKey { case id = "Id", names = "Names", digest = "Digest", size = "Size" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        names = try c.decodeIfPresent([String].self, forKey: .names) ?? []
        digest = try c.decodeIfPresent(String.self, forKey: .digest) ?? ""
        size = try c.decodeIfPresent(Int64.self, forKey: .size) ?? 0
    }
}

/// One container's figures from `podman stats --no-stream --format json`.
public struct PodmanStats: Decodable, Sendable, Equatable {
    public let id: String
    public let name: String
    /// CPU use as a share of one CPU, in percent (podman's `cpu_percent`, "12.5%").
    public let cpuPercent: Double
    /// CPU time used since the container started, in seconds (podman's `cpu_time`, a Go duration).
    public let cpuSeconds: Double
    /// Memory in use, in bytes.
    public let memoryBytes: Int64
    /// The memory limit podman reports, in bytes.
    public let memoryLimitBytes: Int64

    enum CodingKeys: String, CodingKey { case id, name, cpu = "cpu_percent", mem = "mem_usage", cpuTime = "cpu_time" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? id
        let cpu = try c.decodeIfPresent(String.self, forKey: .cpu) ?? "0%"
        cpuPercent = Double(cpu.replacingOccurrences(of: "%", with: "").trimmingCharacters(in: .whitespaces)) ?? 0
        cpuSeconds = Self.seconds(try c.decodeIfPresent(String.self, forKey: .cpuTime) ?? "") ?? 0
        let mem = try c.decodeIfPresent(String.self, forKey: .mem) ?? ""
        let parts = mem.split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }
        memoryBytes = parts.first.flatMap(Self.bytes) ?? 0
        memoryLimitBytes = parts.count > 1 ? Self.bytes(parts[1]) ?? 0 : 0
    }

    /// A Go duration ("27.056144ms", "1m2.5s", "3h0m1s", "12µs") in seconds.
    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ns", 1e-9), ("µs", 1e-6), ("us", 1e-6), ("ms", 1e-3), ("h", 3600), ("m", 60), ("s", 1)]
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest.isEmpty { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard let n = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let (unit, factor) = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            total += n * factor
            rest = rest.dropFirst(unit.count)
        }
        return total
    }

    /// "462.8kB", "67.11MB", "1.2GiB" → bytes (podman prints SI units; binary ones are read too).
    static func bytes(_ text: String) -> Int64? {
        let units: [(String, Double)] = [("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("kB", 1e3),
                                         ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let n = Double(text.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)) else { return nil }
            return Int64(n * factor)
        }
        return Double(text).map { Int64($0) }
    }
}
