import Foundation
import PlatLang

/// The transports the job platform knows, by kind (the `transport:` field of a host map).
///
/// A value: the job platform's module (`JobsModule`) holds one and hands it to the effects that reach hosts
/// (`sh` on hosts, `copy`); nothing global is changed by registering. `standard` has `local` (this machine
/// and simulated hosts) and `ssh`.
///
/// How another module adds a kind (the container module's `transport: "podman"`, running `exec` in
/// containers): it implements `HostTransport` (run, upload, list, download) in its own target, then the place
/// that builds the set of modules registers it on the job platform's registry before building `JobsModule`:
///
///     var transports = TransportRegistry.standard
///     try transports.register(kind: "podman") { _ in PodmanTransport() }
///     let jobs = JobsModule(transports: transports)
///
/// The factory gets the host, so a kind can pick or configure a transport per host; a transport that keeps
/// state across calls (ssh's shared connections) is created once and captured by the factory.
public struct TransportRegistry: Sendable {
    public typealias Factory = @Sendable (Host) throws -> any HostTransport

    /// Kinds and their factories in the order registered. A list, not a dictionary: there are a few kinds,
    /// and the first dictionary of this value type cost every process 0.36 M instructions to set up at start.
    private var factories: [(kind: String, make: Factory)] = []

    /// An empty registry (see `standard`).
    public init() {}

    /// `local` and `ssh` (the shared `Transports.ssh`, so connections are multiplexed across a run).
    public static var standard: TransportRegistry {
        var r = TransportRegistry()
        r.factories = [("local", { _ in LocalTransport() }), ("ssh", { _ in Transports.ssh })]
        return r
    }

    /// Adds `kind`. A kind is registered once: a second registration throws unless it says `replacing: true`
    /// (a test, or a module that deliberately takes over a kind).
    public mutating func register(kind: String, replacing: Bool = false, factory: @escaping Factory) throws {
        guard Host.Transport.isValidKind(kind) else {
            throw RuntimeError("'\(ScriptEnvironment.printable(kind))' is not a transport kind",
                               hint: "kinds are letters, digits, - and _, starting with a letter (e.g. podman)")
        }
        if let i = factories.firstIndex(where: { $0.kind == kind }) {
            guard replacing else {
                throw RuntimeError("transport '\(kind)' is already registered",
                                   hint: "register(kind: \"\(kind)\", replacing: true, ...) to take it over")
            }
            factories[i].make = factory
        } else {
            factories.append((kind, factory))
        }
    }

    /// The registered kinds, sorted.
    public var kinds: [String] { factories.map(\.kind).sorted() }

    public func contains(_ kind: String) -> Bool { factory(kind) != nil }

    /// The transport for `host`'s kind; an unknown kind is an error naming the known ones.
    public func transport(for host: Host) throws -> any HostTransport {
        guard let make = factory(host.transport.rawValue) else { throw unknown(host) }
        return try make(host)
    }

    /// Throws unless `host`'s kind is registered (hosts are checked before anything runs).
    public func check(_ host: Host) throws {
        if factory(host.transport.rawValue) == nil { throw unknown(host) }
    }

    private func factory(_ kind: String) -> Factory? { factories.first { $0.kind == kind }?.make }

    /// The message names the known kinds itself (not only in a hint): it often ends up in a host's result.
    private func unknown(_ host: Host) -> RuntimeError {
        let kind = host.transport.rawValue
        var message = "host \(host.name): unknown transport '\(ScriptEnvironment.printable(kind))'"
        if let near = closestName(to: kind, in: kinds) { message += "; did you mean '\(near)'?" }
        message += " (known transports: \(kinds.joined(separator: ", ")))"
        return RuntimeError(message, hint: "a module adds transport kinds to the job platform's TransportRegistry")
    }
}

/// The transports every run shares.
public enum Transports {
    /// The ssh transport every ssh host shares, so connections are multiplexed across a run; call
    /// `Transports.ssh.closeAll()` at the end of the run.
    public static let ssh = SSHTransport()

    /// The standard registry's transport for `host` (`TransportRegistry.standard`).
    public static func transport(for host: Host) throws -> any HostTransport {
        try TransportRegistry.standard.transport(for: host)
    }
}
