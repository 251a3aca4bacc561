import Foundation
import PlatLang

/// `notify(url, body, headers: {...}, timeout: 10s, retries: 2, backoff: 1s, method: "POST")`: sends `body` as JSON
/// to a webhook and returns `{status, body, attempts, duration}`.
///
/// Journaled as an external effect: recorded as started before the first attempt and finished with the response
/// after, so a resumed run replays a delivered notification instead of sending it again. A crash between the
/// two (the request sent, its answer not yet recorded) sends it again on resume: delivery is at least once, and
/// every attempt carries the same `Idempotency-Key` header for receivers that drop repeats.
///
/// Secrets: a secret may be the whole URL (webhook URLs often carry their token) or a header's whole value; it is
/// journaled by name and never printed. A secret inside the body, or a URL, header or body text built by
/// interpolating one, is refused (the JSON encoder and the engine's interpolated-secret check say so).
public final class NotifyEffect: DurableEffect {
    public init() {}
    public let kind = EffectKind.external
    public let spec = EffectSpec(name: "notify", params: ["url", "body", "headers", "timeout", "retries", "backoff", "method"],
                                 required: 2,
                                 summary: "posts a JSON body to a webhook; a status outside 2xx fails (after retries of 5xx, 408, 425, 429 and connection errors)",
                                 choices: ["method": ["POST", "PUT", "PATCH"]])

    static let defaultTimeout = 10.0
    static let defaultRetries = 2
    static let excerptLength = 300

    public func explain(_ call: EffectCall) throws -> (lines: [String], result: Value) {
        let url = call.args.named.first { $0.name == "url" }?.value
        let method = call.args.named.first { $0.name == "method" }?.value.printed ?? "POST"
        let target: String
        if case .string(let s)? = url { target = NotifyEffect.describe(url: s) } else { target = url?.printed ?? "?" }
        return (["would \(method) JSON to \(target)"], NotifyEffect.standIn)
    }

    /// What an explained notification "returns": delivered, with an empty answer.
    static let standIn = Value.makeMap([("status", .int(200)), ("body", .string("")), ("attempts", .int(0)),
                                        ("duration", .duration(0))])

    /// Refuses what can be refused before anything is journaled (a bad URL, an unencodable body).
    public func startedArguments(_ ctx: EffectContext) throws -> String {
        _ = try request(ctx)
        return ctx.argsText
    }

    public func perform(_ ctx: EffectContext) throws -> Value {
        let args = ctx.args
        var (req, shownURL) = try request(ctx)
        let retries = try args.get("retries", .int) ?? NotifyEffect.defaultRetries
        guard (0...10).contains(retries) else { throw RuntimeError("notify() retries must be between 0 and 10, got \(retries)") }
        let backoffMs = try args.get("backoff", .duration) ?? 1000
        guard backoffMs >= 0 else { throw RuntimeError("notify() backoff must not be negative") }

        let started = RunStore.now()
        var wait = Double(backoffMs) / 1000
        var attempt = 0
        while true {
            attempt += 1
            if let deadline = ctx.stepDeadline {
                let left = deadline - RunStore.now()
                if left <= 0 { throw RuntimeError("notify() to \(shownURL): the step's timeout passed before attempt \(attempt)") }
                req.timeout = min(req.timeout, left)
            }
            let outcome = try req.send(shouldStop: { try ctx.checkStop() })
            let problem: String
            let retryable: Bool
            switch outcome {
            case .success(let response) where (200..<300).contains(response.status):
                return Value.makeMap([("status", .int(response.status)), ("body", .string(response.body)),
                                      ("attempts", .int(attempt)),
                                      ("duration", .duration(Int64((RunStore.now() - started) * 1000)))])
            case .success(let response):
                let excerpt = NotifyEffect.excerpt(response.body)
                problem = "HTTP \(response.status)"
                    + (excerpt.isEmpty ? "" : ": \(excerpt)")
                retryable = [408, 425, 429].contains(response.status) || (500..<600).contains(response.status)
            case .failure(.unavailable(let why)):
                throw RuntimeError("notify() cannot send: \(why)", hint: "install libcurl (Debian: apt-get install libcurl4)")
            case .failure(.connect(let why)):
                problem = "cannot connect: \(why)"
                retryable = true
            case .failure(.timeout):
                problem = "no answer within \(Value.duration(Int64(req.timeout * 1000)).printed)"
                retryable = true
            case .failure(.other(let why)):
                problem = why
                retryable = false
            }
            let tries = attempt == 1 ? "" : " after \(attempt) attempts"
            if !retryable || attempt > retries {
                throw RuntimeError("notify() to \(shownURL) failed\(tries): \(problem)",
                                   hint: retryable ? "retries: n tries again (5xx, 408, 425, 429, timeouts, refused connections)" : nil)
            }
            ctx.event("notify() to \(shownURL): \(problem); attempt \(attempt + 1) of \(retries + 1) in \(Value.duration(Int64(wait * 1000)).printed)",
                      kind: .warning)
            try ctx.waitUntil(RunStore.now() + wait)
            wait *= 2
        }
    }

    /// The request the call describes, and the URL as messages may show it.
    private func request(_ ctx: EffectContext) throws -> (HTTPRequest, String) {
        let args = ctx.args
        let url: String
        let shownURL: String
        switch args.value("url") {
        case .secret(let s)?:
            url = s.text
            shownURL = "the URL in secret '\(s.name)'"
        default:
            url = try args.require("url", .string)
            shownURL = NotifyEffect.describe(url: url)
        }
        guard let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = parsed.host, !host.isEmpty else {
            throw RuntimeError("notify() needs an http:// or https:// URL with a host, got \(shownURL.hasPrefix("the URL") ? shownURL : "'\(url)'")")
        }
        let body = args.value("body") ?? .null
        let json: String
        do {
            json = try JSON.encode(body)
        } catch let e as RuntimeError {
            let secret = e.message.contains("secret")
            throw RuntimeError("notify() cannot send its body as JSON: \(e.message.replacingOccurrences(of: "json.encode()", with: "the body"))",
                               hint: secret ? "a secret never goes into the body; send it as a header's whole value (headers: {Authorization: token})" : e.hint)
        }
        var req = HTTPRequest(url: url)
        req.method = try args.get("method", .string) ?? "POST"
        req.body = Data(json.utf8)
        if let ms = try args.get("timeout", .duration) {
            guard ms > 0 else { throw RuntimeError("notify() timeout must be a positive duration") }
            req.timeout = Double(ms) / 1000
        } else {
            req.timeout = NotifyEffect.defaultTimeout
        }
        var names = Set<String>()
        if let given = try args.get("headers", .map) {
            for (k, v) in given.pairs {
                guard case .string(let name) = k, !name.isEmpty,
                      name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }) else {
                    throw RuntimeError("notify() header names are words of letters, digits, '-' and '_', got \(k.repr)")
                }
                let value: String
                switch v {
                case .string(let s): value = s
                case .secret(let s): value = s.text
                case .int, .float, .bool: value = v.printed
                default: throw RuntimeError("notify() header '\(name)' must be a string or a secret, got \(v.typeName)")
                }
                if value.contains("\r") || value.contains("\n") {
                    throw RuntimeError("notify() header '\(name)' must not contain a line break")
                }
                req.headers.append((name, value))
                names.insert(name.lowercased())
            }
        }
        if !names.contains("content-type") { req.headers.append(("Content-Type", "application/json")) }
        if !names.contains("idempotency-key") { req.headers.append(("Idempotency-Key", ctx.idempotencyKey)) }
        // libcurl would otherwise ask for "100 Continue" before a body over 1 KiB and wait a second for receivers
        // that never answer it.
        if !names.contains("expect") { req.headers.append(("Expect", "")) }
        return (req, shownURL)
    }

    /// A URL as messages show it: scheme, host, port and path, never its query or user info (tokens live there).
    static func describe(url: String) -> String {
        guard let c = URLComponents(string: url), let scheme = c.scheme, let host = c.host else { return "'\(url)'" }
        let port = c.port.map { ":\($0)" } ?? ""
        let query = (c.query?.isEmpty == false) ? "?…" : ""
        return "\(scheme)://\(host)\(port)\(c.path)\(query)"
    }

    /// The start of a response body, on one line.
    static func excerpt(_ body: String) -> String {
        let flat = body.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return flat.count > excerptLength ? String(flat.prefix(excerptLength)) + "…" : flat
    }
}
