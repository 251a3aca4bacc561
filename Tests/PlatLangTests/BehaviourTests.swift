import Foundation
import Testing
@testable import PlatLang

/// Behaviour tests: every `Cases/NAME.plat` runs and its output is compared with the files beside it.
///
/// - `NAME.out`: the exact stdout (the program's `print` output). Required.
/// - `NAME.err`: the exact stderr: diagnostics, step events (`step PATH started|ok|failed|skipped`, no
///   durations) and, when the exit code is not 0, a last line `exit: N`. Absent means stderr must be empty.
/// - A first line `# run: PLAN name=value ...` picks the plan and its `--param`s.
///
/// Effects are deterministic here: now() is 1700000000.0, uuid() counts, random() is 0.5, sleep() returns at
/// once, env("HOME") is "/home/plat" and every other variable is unset.
/// Set PLATFLOW_BLESS=1 to write the expectation files a new case lacks (then read them before committing).
struct BehaviourTests {
    static let casesDir: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Cases")

    static var caseNames: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: casesDir.path)) ?? []
        return files.filter { $0.hasSuffix(".plat") && !$0.hasPrefix("_") }.map { String($0.dropLast(5)) }.sorted()
    }

    @Test("the case corpus is large enough to specify the language")
    func corpusSize() {
        #expect(BehaviourTests.caseNames.count >= 150)
    }

    @Test("behaviour case", arguments: BehaviourTests.caseNames)
    func runCase(_ name: String) throws {
        let dir = BehaviourTests.casesDir
        let source = try String(contentsOf: dir.appendingPathComponent("\(name).plat"), encoding: .utf8)
        let outcome = CaseRunner.run(name: name, source: source, dir: dir)
        let outURL = dir.appendingPathComponent("\(name).out")
        let errURL = dir.appendingPathComponent("\(name).err")
        let bless = ProcessInfo.processInfo.environment["PLATFLOW_BLESS"] == "1"
        if bless && !FileManager.default.fileExists(atPath: outURL.path) {
            try outcome.stdout.write(to: outURL, atomically: true, encoding: .utf8)
            if !outcome.stderr.isEmpty { try outcome.stderr.write(to: errURL, atomically: true, encoding: .utf8) }
        }
        let expectedOut = (try? String(contentsOf: outURL, encoding: .utf8))
        #expect(expectedOut != nil, "\(name).out is missing")
        let expectedErr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        #expect(outcome.stdout == expectedOut, "stdout of \(name)")
        #expect(outcome.stderr == expectedErr, "stderr of \(name)")
    }
}

/// Runs one case in-process with deterministic effects, capturing what the CLI would print.
enum CaseRunner {
    struct Outcome {
        var stdout = ""
        var stderr = ""
    }

    final class Effects: EffectHandler {
        var out = ""
        var err = ""
        var uuids = 0
        func perform(_ call: EffectCall) throws -> Value {
            switch call.name {
            case "now": return .float(1_700_000_000)
            case "uuid":
                uuids += 1
                return .string(String(format: "00000000-0000-4000-8000-%012d", uuids))
            case "random": return .float(0.5)
            case "sleep": return .null
            case "env":
                let name = call.args.named.first { $0.name == "name" }?.value
                if name == .string("HOME") { return .string("/home/plat") }
                return call.args.named.first { $0.name == "default" }?.value ?? .null
            default: throw RuntimeError("no effect \(call.name)")
            }
        }
        func stepStarted(_ step: StepEvent) throws {
            err += "step \(step.path) started\(step.attempt > 1 ? " (attempt \(step.attempt))" : "")\n"
        }
        func stepFinished(_ step: StepEvent, outcome: StepOutcome) {
            switch outcome {
            case .succeeded: err += "step \(step.path) ok\n"
            case .failed(let d, _): err += "step \(step.path) failed: \(d.message)\n"
            case .skipped(let r): err += "step \(step.path) skipped (\(r))\n"
            }
        }
        func write(_ text: String) { out += text }
    }

    /// Serves the case files by their bare names, so diagnostics read `NAME.plat:3:5`.
    final class CaseSources: SourceProvider {
        let dir: URL
        init(dir: URL) { self.dir = dir }
        func read(path: String) throws -> SourceFile {
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : dir.appendingPathComponent(path)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw Diagnostic(message: "cannot read file '\(path)'", location: nil, phase: .usage)
            }
            return SourceFile(path: path, text: String(decoding: data, as: UTF8.self))
        }
    }

    static func run(name: String, source: String, dir: URL) -> Outcome {
        var planName: String? = nil
        var params: [String: String] = [:]
        if let first = source.split(separator: "\n", maxSplits: 1).first, first.hasPrefix("# run:") {
            let words = first.dropFirst(6).split(separator: " ").map(String.init)
            for w in words {
                if let eq = w.firstIndex(of: "=") { params[String(w[..<eq])] = String(w[w.index(after: eq)...]) }
                else { planName = w }
            }
        }
        let effects = Effects()
        let interpreter = Interpreter(effects: effects, sources: CaseSources(dir: dir))
        var exit = 0
        do {
            let module = try interpreter.load(path: "\(name).plat")
            let plan = try interpreter.selectPlan(in: module, named: planName)
            _ = try interpreter.run(module, plan: plan, params: params)
        } catch let list as DiagnosticList {
            effects.err += list.description
            exit = 2
        } catch let u as UsageError {
            effects.err += u.description
            exit = 2
        } catch let d as Diagnostic {
            effects.err += d.rendered()
            exit = d.phase == .runtime ? 1 : 2
        } catch {
            effects.err += "error: \(error)\n"
            exit = 1
        }
        if exit != 0 { effects.err += "exit: \(exit)\n" }
        return Outcome(stdout: effects.out, stderr: effects.err)
    }
}
