import Foundation

/// Picks the transport for a host.
public enum Transports {
    /// The ssh transport every ssh host shares, so connections are multiplexed across a run; call
    /// `Transports.ssh.closeAll()` at the end of the run.
    public static let ssh = SSHTransport()

    /// `LocalTransport` for local hosts (this machine, simulated hosts), the shared `ssh` for ssh hosts.
    public static func transport(for host: Host) -> HostTransport {
        switch host.transport {
        case .local: return LocalTransport()
        case .ssh: return ssh
        }
    }
}
