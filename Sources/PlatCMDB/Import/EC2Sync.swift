import Foundation
import PlatLang
import PlatStore

/// What a cloud sync did.
public struct SyncReport: Sendable {
    public var created: [String] = []
    public var updated: [String] = []
    public var unchanged = 0
    /// Hosts of the synced regions whose instance is no longer listed: marked `state=missing`, kept.
    public var missing: [String] = []
    /// Instances left out (terminated ones the CMDB never had, instances without a private IP).
    public var skipped: [String] = []
    /// Custom fields created for tags seen for the first time (`tag_env`...).
    public var newFields: [String] = []
}

extension CMDB {
    /// Brings hosts in line with `aws ec2 describe-instances` output (JSON, or YAML from `--output yaml` when
    /// the file ends in `.yaml` or `.yml`), in one transaction.
    ///
    /// An instance is matched to a host by instance id, else by its primary private IP in `cloudArea`.
    /// Fields: inner IPs (private, then IPv6), outer IPs (public), hostname (the Name tag, else the private
    /// DNS name), instance id, region, zone, state, OS type, CPU count; every other tag becomes a custom
    /// field `tag_KEY` (declared as a string on first sight). Hosts of AWS in the synced regions whose
    /// instance is absent are marked `state=missing`, never deleted.
    public func syncEC2(path: String, cloudArea: Int64 = 0) throws -> SyncReport {
        let top = try describeInstancesOutput(path)
        guard let reservations = top["Reservations"] as? [[String: Any]] else {
            throw CMDBError(.invalid, "\(path) has no Reservations list; is it `aws ec2 describe-instances` output?")
        }
        let instances = reservations.flatMap { ($0["Instances"] as? [[String: Any]]) ?? [] }
        var report = SyncReport()
        try write {
            var seenIDs = Set<String>()
            var regions = Set<String>()
            for inst in instances {
                guard let id = inst["InstanceId"] as? String, !id.isEmpty else { continue }
                seenIDs.insert(id)
                let zone = (inst["Placement"] as? [String: Any])?["AvailabilityZone"] as? String
                let region = zone.map(CMDB.region(ofZone:))
                if let region { regions.insert(region) }
                try syncInstance(inst, id: id, zone: zone, region: region, cloudArea: cloudArea, report: &report)
            }
            // Instances that left the listing: hosts of these regions that came from AWS and were not seen.
            for r in try db.query("""
                SELECT id, instance_id, region, state FROM cmdb_hosts WHERE cloud_vendor = 'aws' AND instance_id IS NOT NULL
                AND cloud_area = ? ORDER BY id
                """, cloudArea) {
                guard let iid = r.string("instance_id"), !seenIDs.contains(iid),
                      let region = r.string("region"), regions.contains(region), r.string("state") != "missing",
                      let id = r.int("id"), let old = try host(id: id) else { continue }
                if try applyUpdate(old, ["state": .string("missing")], custom: try customHostFields()) != nil {
                    report.missing.append("\(old.label) \(iid)")
                }
            }
        }
        return report
    }

    /// The top object of the listing at `path`, in the shape `JSONSerialization` gives.
    private func describeInstancesOutput(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CMDBError(.notFound, "cannot read \(path)")
        }
        if DataFile.Format.of(path: path) == .yaml {
            let value: Value
            do {
                value = try DataFile.decode(String(decoding: data, as: UTF8.self), format: .yaml, path: path)
            } catch {
                throw CMDBError(.invalid, "\(error)", hint: "produce it with: aws ec2 describe-instances --output yaml > \(path)")
            }
            guard let o = DataFile.foundationObject(value) as? [String: Any] else {
                throw CMDBError(.invalid, "\(path) is not the YAML of `aws ec2 describe-instances`: the top is not a mapping")
            }
            return o
        }
        do {
            guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw CMDBError(.invalid, "") }
            return o
        } catch {
            throw CMDBError(.invalid, "\(path) is not the JSON of `aws ec2 describe-instances`",
                            hint: "produce it with: aws ec2 describe-instances --output json > \(path)")
        }
    }

    private func syncInstance(_ inst: [String: Any], id: String, zone: String?, region: String?, cloudArea: Int64,
                              report: inout SyncReport) throws {
        let state = (inst["State"] as? [String: Any])?["Name"] as? String
        var inner: [String] = []
        var outer: [String] = []
        func add(_ ip: String?, to list: inout [String]) {
            if let ip, let a = IPAddress(ip), !list.contains(a.description) { list.append(a.description) }
        }
        add(inst["PrivateIpAddress"] as? String, to: &inner)
        add(inst["PublicIpAddress"] as? String, to: &outer)
        for nic in (inst["NetworkInterfaces"] as? [[String: Any]]) ?? [] {
            for p in (nic["PrivateIpAddresses"] as? [[String: Any]]) ?? [] {
                add(p["PrivateIpAddress"] as? String, to: &inner)
                add((p["Association"] as? [String: Any])?["PublicIp"] as? String, to: &outer)
            }
            for v6 in (nic["Ipv6Addresses"] as? [[String: Any]]) ?? [] { add(v6["Ipv6Address"] as? String, to: &inner) }
        }
        var tags: [String: String] = [:]
        for t in (inst["Tags"] as? [[String: Any]]) ?? [] {
            if let k = t["Key"] as? String, let v = t["Value"] as? String { tags[k] = v }
        }
        var values: [String: CMDBValue] = [
            "cloud_vendor": .string("aws"), "instance_id": .string(id), "cloud_area": .int(cloudArea),
            "os_type": .string((inst["Platform"] as? String)?.lowercased() == "windows" ? "windows" : "linux"),
        ]
        if !inner.isEmpty { values["inner_ip"] = .list(inner) }
        values["outer_ip"] = outer.isEmpty ? .null : .list(outer)
        if let state { values["state"] = .string(state) }
        if let zone { values["zone"] = .string(zone) }
        if let region { values["region"] = .string(region) }
        if let name = tags["Name"] ?? (inst["PrivateDnsName"] as? String), !name.isEmpty, name.count <= AttributeType.stringLimit {
            values["hostname"] = .string(name)
        }
        if let details = inst["PlatformDetails"] as? String { values["os_name"] = .string(details) }
        if let cpu = inst["CpuOptions"] as? [String: Any], let cores = (cpu["CoreCount"] as? NSNumber)?.int64Value {
            values["cpu"] = .int(cores * ((cpu["ThreadsPerCore"] as? NSNumber)?.int64Value ?? 1))
        }
        var custom = try customHostFields()
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) where key != "Name" {
            let field = CMDB.tagField(key)
            if !custom.contains(where: { $0.name == field }) {
                guard (try? CMDB.checkFieldName(field)) != nil, !HostFields.reserved.contains(field) else { continue }
                try addAttribute(model: "host", FieldDef(field, .string, storage: .json))
                custom = try customHostFields()
                report.newFields.append(field)
            }
            if let f = custom.first(where: { $0.name == field }), case .success(let v) = f.parse(text: value) { values[field] = v }
        }

        // The host this instance is.
        var existing: Int64? = try db.queryOne("SELECT id FROM cmdb_hosts WHERE instance_id = ? AND cloud_vendor = 'aws' AND cloud_area = ? LIMIT 1",
                                               id, cloudArea)?.int("id")
        if existing == nil, let first = inner.first.flatMap(IPAddress.init) {
            existing = try staticHostID(innerIP: first, cloud: cloudArea)
        }
        let label = "\(values["hostname"]?.text ?? id) \(id)"
        if let existing, let old = try host(id: existing) {
            var changes: [String: CMDBValue] = [:]
            for (k, v) in values where (old.values[k] ?? .null) != v {
                // A stopped or terminated instance loses its addresses; the host keeps the last ones known.
                if (k == "inner_ip" || k == "outer_ip") && v.isNull { continue }
                changes[k] = v
            }
            if changes.isEmpty {
                report.unchanged += 1
            } else if try applyUpdate(old, changes, custom: custom) != nil {
                report.updated.append(label)
            } else {
                report.unchanged += 1
            }
            return
        }
        if inner.isEmpty || state == "terminated" {
            report.skipped.append("\(label) (\(state ?? "no private IP"))")
            return
        }
        try addHost(values.filter { !$0.value.isNull })
        report.created.append(label)
    }

    /// `us-east-1a` → `us-east-1`; a Local Zone (`us-west-2-lax-1a`) → its parent region `us-west-2`.
    static func region(ofZone zone: String) -> String {
        let parts = zone.split(separator: "-")
        if parts.count > 3 { return parts.prefix(3).joined(separator: "-") }
        if let last = zone.last, last.isLetter, zone.dropLast().last?.isNumber == true { return String(zone.dropLast()) }
        return zone
    }

    /// `tag_KEY`, the key lower-cased with anything but letters, digits and _ as _.
    static func tagField(_ key: String) -> String {
        "tag_" + String(key.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }
}
