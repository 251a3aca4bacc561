import PlatEngine

/// A module that reaches a kind of host the job platform does not know (the container module's `podman`, for
/// `exec` into containers) conforms to this, and its kinds join the job platform's registry in every run whose
/// module set includes it: `sh` and `copy` find them by the host's `transport:` like the built-in ones. The
/// engine never names a transport, so the hook lives here, beside the registry, not in `PlatModule`.
public protocol TransportProvider {
    /// Adds the module's kinds (`try registry.register(kind: "podman") { host in PodmanTransport(host) }`).
    func registerTransports(into registry: inout TransportRegistry) throws
}

extension TransportRegistry {
    /// This registry with the kinds of every module of `modules` that provides transports, in module order. A
    /// kind registered twice is refused (see `register`), so two modules cannot silently take one kind.
    public func including(_ modules: ModuleSet) throws -> TransportRegistry {
        var r = self
        for case let provider as TransportProvider in modules.modules {
            try provider.registerTransports(into: &r)
        }
        return r
    }
}
