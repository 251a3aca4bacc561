import Foundation

extension CMDB {
    /// What `platflow run --limit TEXT` narrows a run's fleet effects to, as host names, addresses and glob
    /// patterns: a filter (`city == "sh"`, anything with an operator or a space) or a dynamic group's name gives
    /// its hosts' names and inner IPs now; anything else is a comma-separated list of host names or globs
    /// (`web-01,web-0*`). An empty result is refused: a limit that matches nothing is a mistake.
    public func limitTargets(_ text: String) throws -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw CMDBError(.invalid, "--limit needs hosts, a group or a filter") }
        var hosts: [HostRecord]? = nil
        if trimmed.contains(where: { " =<>!\"".contains($0) }) {
            hosts = try self.hosts(where: trimmed)
        } else if (try? group(trimmed)) != nil {
            hosts = try groupHosts(trimmed)
        }
        guard let hosts else {
            return trimmed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if hosts.isEmpty {
            throw CMDBError(.invalid, "--limit \(trimmed) matches no host in the CMDB", hint: "`platflow cmdb hosts --where ...` shows what a filter matches")
        }
        var names: [String] = []
        for h in hosts { names.append(h.displayName); names += h.innerIPs }
        return names
    }
}
