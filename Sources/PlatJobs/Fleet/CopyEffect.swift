import Foundation
import PlatEngine
import PlatLang

/// `copy(from: SOURCES, to: TARGETS, dest: PATH, mode: "force"|"strict", upload_limit: MB/s,
/// download_limit: MB/s, timeout: d, rolling:, on_failure:, max_fail:, throttle:, sync: false)`: file
/// distribution. `sync: true` fsyncs every written file and its folder before the rename, so a copy reported
/// ok survives a power loss (the replace is atomic and SHA-256 verified either way).
/// Sources are local files, folders or globs, or `{host: h, path: p}` files on source hosts. Returns the same
/// summary as `sh` on hosts (`hosts` complete up to `FleetTally.detailLimit` hosts, the failed ones beyond);
/// each host's entry has the bytes written to it (`bytes`) and lists its files (`files: [{source, destination, status,
/// bytes, duration, speed, sha256}]`, at most `filesListedPerHost` of them, the others counted in `files_omitted`).
public final class CopyEffect: DurableEffect {
    public let kind = EffectKind.external
    public let spec = EffectSpec(
        name: "copy",
        params: ["from", "to", "dest", "mode", "upload_limit", "download_limit", "timeout", "rolling", "on_failure",
                 "max_fail", "throttle", "sync", "batch_interval", "between_batches"],
        required: 3,
        summary: "copies files to hosts (one-to-many, many-to-many, many-to-one)",
        choices: ["on_failure": FailurePolicy.allCases.map(\.rawValue)])

    /// How hosts are reached (`JobsModule`'s registry).
    let transports: TransportRegistry

    /// Files listed in each host's entry of the result (those that did not end ok first); a larger copy says how
    /// many it leaves out in `files_omitted`. Each host's entry is journaled: a folder of 100,000 files copied to
    /// 1,000 hosts would otherwise journal and hold 100 million file records.
    public static let filesListedPerHost = 100

    public init(transports: TransportRegistry = .standard) {
        self.transports = transports
    }

    static func sources(_ v: Value) throws -> [CopySource] {
        let items: [Value]
        if case .list(let xs) = v { items = xs } else { items = [v] }
        return try items.map { item in
            switch item {
            case .string(let s): return .local(s)
            case .map(let m):
                guard let h = m.get(.string("host")), case .string(let p)? = m.get(.string("path")) else {
                    throw RuntimeError("a remote copy source is {host: HOST, path: \"/path\"}")
                }
                return .remote(host: try Host.from(h), path: p)
            default:
                throw RuntimeError("copy() from: takes paths (strings) or {host, path} maps, got \(item.typeName)")
            }
        }
    }

    /// MB/s as a number, or a size per second (`10MB`).
    static func rate(_ v: Value?, _ name: String) throws -> Double? {
        guard let v else { return nil }
        switch v {
        case .int(let n) where n > 0: return Double(n) * 1_000_000
        case .float(let d) where d > 0: return d * 1_000_000
        case .size(let b) where b > 0: return Double(b)
        default: throw RuntimeError("copy() \(name) is in MB/s: a positive number (or a size per second such as 10MB)")
        }
    }

    func options(_ ctx: EffectContext) throws -> CopyOptions {
        var o = CopyOptions()
        let args = ctx.args
        if let s = try args.get("mode", .string) {
            guard let mode = CopyMode(rawValue: s) else {
                throw RuntimeError("copy() mode is \"force\" (create the destination folder) or \"strict\" (it must exist)")
            }
            o.mode = mode
        }
        o.uploadLimit = try CopyEffect.rate(ctx.argument("upload_limit"), "upload_limit")
        o.downloadLimit = try CopyEffect.rate(ctx.argument("download_limit"), "download_limit")
        if let ms = try args.get("timeout", .duration) {
            guard ms > 0 else { throw RuntimeError("copy() timeout must be a positive duration") }
            o.timeout = Double(ms) / 1000
        }
        if let deadline = ctx.stepDeadline { o.timeout = min(o.timeout, max(0.001, deadline - RunStore.now())) }
        if let b = try args.get("sync", .bool) { o.durable = b }
        o.fileDetailLimit = CopyEffect.filesListedPerHost
        o.owner = ctx.runID
        o.transports = try transports.including(ctx.store.modules)
        return o
    }

    /// The arguments and the time of the first start, for the [DATE:...] macros: a resumed copy names files the
    /// same way.
    public func startedArguments(_ ctx: EffectContext) throws -> String {
        var stored = MapStorage()
        if case .map(let m) = try ValueCodec.decode(ctx.argsText) { stored = MapStorage(copying: m) }
        stored.set(.string("$now"), .float(Date().timeIntervalSince1970))
        return try ValueCodec.encode(.map(stored))
    }

    public func perform(_ ctx: EffectContext) throws -> Value {
        guard let from = ctx.argument("from"), let to = ctx.argument("to") else {
            throw RuntimeError("copy() needs from:, to: and dest:")
        }
        let dest = try ctx.args.require("dest", .string)
        try DestinationPath.checkMacros(dest)
        var options = try options(ctx)
        let targets = FleetShellEffect.limit(try FleetTargets(to, transports: options.transports), ctx)
        let fleet = try FleetShellEffect.fleetOptions(ctx)
        // The time for [DATE:...] macros is the effect's first start, as journaled.
        if let e = ctx.journal.entry(ctx.key), case .map(let m)? = try? ValueCodec.decode(e.args),
           case .float(let t)? = m.get(.string("$now")) {
            options.now = Date(timeIntervalSince1970: t)
        }
        let expanded: [ExpandedSource]
        do {
            expanded = try FileDistributor.expand(try CopyEffect.sources(from), options: options)
        } catch let e as CopyError {
            throw RuntimeError(e.description)
        } catch let e as RuntimeError {
            throw e
        } catch {
            throw RuntimeError("copy(): \(error)")
        }
        let opts = options
        // Where each file goes is the same on every host: worked out once.
        let plan = FileDistributor.plan(expanded, dest: dest, options: options)
        let runner = FleetRunner(ctx: ctx, targets: targets, options: fleet, verb: "copy") { host in
            let r = FileDistributor.copy(plan, to: host, options: opts)
            return CopyEffect.outcome(r)
        }
        var bytes: Int64 = 0
        let (tally, value) = try runner.runAndSummarize { o in
            if let b = o.bytes {
                bytes += b
                return
            }
            // An entry journaled before hosts carried their bytes.
            guard case .list(let files) = o.detail else { return }
            for f in files {
                if case .map(let m) = f, case .int(let b)? = m.get(.string("bytes")) { bytes += Int64(b) }
            }
        }
        ctx.event("copy to \(targets.count) host\(targets.count == 1 ? "" : "s"): \(tally.count(.ok)) ok, \(tally.failedCount) failed, \(Value.size(bytes).printed) written")
        return value
    }

    static func outcome(_ r: HostCopyResult) -> HostOutcome {
        let files = r.files.map { f -> Value in
            Value.makeMap([("source", .string(f.source)), ("destination", .string(f.destination)),
                           ("status", .string(f.status.rawValue)), ("bytes", .int(Int(f.bytes))),
                           ("duration", .duration(Int64((f.duration * 1000).rounded()))),
                           ("speed", .float(f.speed)), ("sha256", f.sha256.map { .string($0) } ?? .null),
                           ("error", f.error.map { .string($0) } ?? .null)])
        }
        let status: HostOutcome.Status
        switch r.status {
        case .ok: status = .ok
        case .failed: status = .failed
        case .timeout: status = .timeout
        case .skipped: status = .skipped
        case .cancelled: status = .cancelled
        }
        let errors = r.files.compactMap(\.error).joined(separator: "\n")
        var o = HostOutcome(host: r.host.name, status: status, exitCode: nil, stdout: "", stderr: errors,
                            duration: r.duration, detail: .list(files))
        o.detailOmitted = r.filesOmitted
        o.bytes = r.bytes
        return o
    }

    public func explain(_ call: EffectCall) throws -> (lines: [String], result: Value) {
        let get = { (n: String) in call.args.named.first { $0.name == n }?.value }
        let hosts = try Host.list(get("to") ?? .list([]))
        var lines = ["copy \(get("from")?.repr ?? "?") to \(get("dest")?.printed ?? "?") on \(hosts.count) host\(hosts.count == 1 ? "" : "s")"]
        lines += try FleetShellEffect.explainBatches(hosts, rolling: get("rolling"))
        return (lines, FleetRunner.explainSummary(hosts))
    }
}
