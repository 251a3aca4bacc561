import Foundation
import PlatLang

/// The effect handler of a plain (not yet durable) run: performs each effect at once, prints the program's
/// output to stdout and step banners to stderr.
final class DirectEffects: EffectHandler {
    let terminal: Terminal
    init(terminal: Terminal) { self.terminal = terminal }

    func perform(_ call: EffectCall) throws -> Value {
        switch call.name {
        case "now":
            return .float(Date().timeIntervalSince1970)
        case "uuid":
            return .string(UUID().uuidString.lowercased())
        case "random":
            return .float(Double.random(in: 0..<1))
        case "sleep":
            guard case .duration(let ms)? = call.argument("duration") else {
                throw RuntimeError("sleep() expects a duration such as 5s, got \(call.argument("duration")?.typeName ?? "nothing")",
                                   hint: "write sleep(5s) or sleep(500ms)")
            }
            if ms > 0 { usleep(useconds_t(min(ms, Int64(UInt32.max / 1000)) * 1000)) }
            return .null
        case "env":
            guard case .string(let name)? = call.argument("name") else {
                throw RuntimeError("env() expects a variable name (string)")
            }
            if let v = ProcessInfo.processInfo.environment[name] { return .string(v) }
            return call.argument("default") ?? .null
        default:
            throw RuntimeError("effect \(call.name)() is not available in this host")
        }
    }

    func stepStarted(_ step: StepEvent) throws {
        guard !terminal.quiet else { return }
        let retry = step.attempt > 1 ? terminal.paint(" (attempt \(step.attempt))", .yellow) : ""
        terminal.err("\(terminal.paint("▸", .dim)) \(step.path)\(retry)\n")
    }

    func stepFinished(_ step: StepEvent, outcome: StepOutcome) {
        guard !terminal.quiet else { return }
        switch outcome {
        case .succeeded(let s):
            terminal.err("\(terminal.paint("✓", .green)) \(step.path) \(terminal.paint(humanDuration(s), .dim))\n")
        case .failed(let d, let s):
            terminal.err("\(terminal.paint("✗", .red)) \(step.path) failed after \(humanDuration(s)): \(d.message)\n")
        case .skipped(let reason):
            terminal.err("\(terminal.paint("-", .yellow)) \(step.path) skipped (\(reason))\n")
        }
    }

    func write(_ text: String) {
        terminal.out(text)
    }
}

extension EffectCall {
    func argument(_ name: String) -> Value? {
        args.named.first { $0.name == name }?.value
    }
}
