import Foundation
import PlatTestKit
import Testing
@testable import PlatLang

/// Feeds deterministic mutations of the test corpus to the lexer, parser and resolver and checks that each
/// input comes back (no crash, no hang) with well-formed diagnostics or none. The mutants are never run.
@Suite("robustness: mutated programs")
struct RobustnessTests {
    /// PLATFLOW_MUTANTS and PLATFLOW_SEED explore further than the default run (which must stay fast and fixed).
    static let mutantCount = ProcessInfo.processInfo.environment["PLATFLOW_MUTANTS"].flatMap { Int($0) } ?? 30_000
    static let seed = ProcessInfo.processInfo.environment["PLATFLOW_SEED"].flatMap { UInt64($0) } ?? 0x5EED_F1A7_0000_0001
    /// One input taking longer than this is a bug: the front end must stay linear on small files.
    static let perInputLimit = 1.0

    /// The corpus: every behaviour case and helper, the workflows shipped with the repo, and the embedded stdlib.
    static let corpus: [(name: String, bytes: [UInt8])] = {
        let fm = FileManager.default
        let casesDir = BehaviourTests.casesDir
        let root = casesDir.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var out: [(String, [UInt8])] = []
        for dir in [casesDir, casesDir.appendingPathComponent("_sub"), root.appendingPathComponent("workflows")] {
            let names = ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".plat") }.sorted()
            for n in names {
                if let data = fm.contents(atPath: dir.appendingPathComponent(n).path) {
                    out.append((dir.lastPathComponent + "/" + n, Array(data)))
                }
            }
        }
        for (name, text) in StdlibSources.files.sorted(by: { $0.key < $1.key }) {
            out.append(("std/" + name + ".plat", Array(text.utf8)))
        }
        return out
    }()

    @Test("the unmutated corpus parses without diagnostics (err_* cases aside)")
    func corpusParses() {
        #expect(RobustnessTests.corpus.count >= 150)
        for (name, bytes) in RobustnessTests.corpus where !name.contains("/err_") {
            let file = SourceFile(path: name, text: String(decoding: bytes, as: UTF8.self))
            let diagnostics = parseProgram(file, declarations: TestDeclarations.shippedShapes).diagnostics
            #expect(diagnostics.isEmpty, "\(name): \(diagnostics.map { $0.rendered() }.joined())")
        }
    }

    @Test("the diagnostic check itself catches bad locations and empty messages")
    func malformedDetection() {
        let file = SourceFile(path: "x.plat", text: "let a = 1\nprint(a)\n")
        func diag(_ line: Int, _ col: Int, _ message: String = "m") -> Diagnostic {
            Diagnostic(message: message, location: SourceLoc(file: file, line: line, col: col))
        }
        #expect(RobustnessTests.malformed(diag(1, 1)) == nil)
        #expect(RobustnessTests.malformed(diag(3, 1)) == nil)
        #expect(RobustnessTests.malformed(diag(0, 1)) != nil)
        #expect(RobustnessTests.malformed(diag(1, 0)) != nil)
        #expect(RobustnessTests.malformed(diag(5, 1)) != nil)
        #expect(RobustnessTests.malformed(diag(1, 40)) != nil)
        #expect(RobustnessTests.malformed(diag(1, 1, " ")) != nil)
        #expect(RobustnessTests.malformed(Diagnostic(message: "m", location: nil)) != nil)
    }

    @Test("the mutation generator is deterministic")
    func deterministic() {
        var a = Mutator(seed: 42, corpus: RobustnessTests.corpus.map(\.bytes))
        var b = Mutator(seed: 42, corpus: RobustnessTests.corpus.map(\.bytes))
        for _ in 0..<50 {
            #expect(a.next().bytes == b.next().bytes)
        }
    }

    @Test("every mutant returns promptly with diagnostics that point inside the file")
    func mutants() throws {
        let corpus = RobustnessTests.corpus.map(\.bytes)
        try #require(!corpus.isEmpty, "no corpus files found")
        let tally = MutationTally()
        // The loop runs on its own thread with the main thread's stack size (where the CLI parses), so a
        // hang can be reported instead of stalling the suite and a stack overflow is as real as in the CLI.
        let done = DispatchSemaphore(value: 0)
        let worker = Thread {
            RobustnessTests.checkMutants(corpus: corpus, tally: tally)
            done.signal()
        }
        worker.stackSize = 8 << 20
        worker.start()
        let budget = 300.0
        if done.wait(timeout: .now() + budget) == .timedOut {
            Issue.record("mutation run did not finish within \(Int(budget))s; stuck on mutant #\(tally.current): \(tally.currentLabel)")
            return
        }
        for problem in tally.problems.prefix(25) { Issue.record(Comment(rawValue: problem)) }
        if tally.problems.count > 25 { Issue.record("… and \(tally.problems.count - 25) more problems") }
        #expect(tally.total == RobustnessTests.mutantCount)
        // Both outcomes must be well represented, or the mutations are too weak (or too destructive) to test much.
        #expect(tally.accepted > RobustnessTests.mutantCount / 50, "accepted \(tally.accepted)")
        #expect(tally.parseRejected > RobustnessTests.mutantCount / 5, "parse-rejected \(tally.parseRejected)")
        #expect(tally.resolveRejected > RobustnessTests.mutantCount / 50, "resolve-rejected \(tally.resolveRejected)")
        print("""
            robustness: \(tally.total) mutants of \(corpus.count) files in \(String(format: "%.1f", tally.seconds))s: \
            \(tally.accepted) accepted, \(tally.parseRejected) rejected by the parser, \
            \(tally.resolveRejected) rejected by the resolver; slowest \(String(format: "%.3f", tally.slowest))s \
            (\(tally.slowestLabel)); by kind: \(tally.kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            """)
    }

    /// The loop body: mutate, parse, resolve if it parsed, check the diagnostics.
    static func checkMutants(corpus: [[UInt8]], tally: MutationTally) {
        var mutator = Mutator(seed: seed, corpus: corpus)
        let sources = MutantSources(corpus: RobustnessTests.corpus)
        let start = Date()
        for i in 0..<mutantCount {
            let mutant = mutator.next()
            tally.current = i
            tally.currentLabel = mutant.label
            tally.kinds[mutant.kind, default: 0] += 1
            let t0 = Date()
            let text = String(decoding: mutant.bytes, as: UTF8.self)
            let file = SourceFile(path: "mutant.plat", text: text)
            var diagnostics = parseProgram(file, declarations: TestDeclarations.shippedShapes).diagnostics
            if diagnostics.isEmpty {
                sources.mutant = file
                let interpreter = Interpreter(effects: CheckOnlyEffects(), declarations: TestDeclarations.shippedShapes,
                                              sources: sources)
                diagnostics = interpreter.check(path: "mutant.plat")
                if diagnostics.isEmpty { tally.accepted += 1 } else { tally.resolveRejected += 1 }
            } else {
                tally.parseRejected += 1
                if diagnostics.count > Parser.maxDiagnostics {
                    tally.problems.append("#\(i) \(mutant.label): \(diagnostics.count) parse diagnostics, limit \(Parser.maxDiagnostics)")
                }
            }
            for d in diagnostics {
                if let problem = malformed(d) {
                    tally.problems.append("#\(i) \(mutant.label): \(problem)\n\(d.rendered())\n--- input\n\(String(text.prefix(600)))")
                }
            }
            let elapsed = Date().timeIntervalSince(t0)
            if elapsed > tally.slowest {
                tally.slowest = elapsed
                tally.slowestLabel = "#\(i) \(mutant.label), \(mutant.bytes.count) bytes"
            }
            if elapsed > perInputLimit {
                tally.problems.append("#\(i) \(mutant.label): took \(elapsed)s for \(mutant.bytes.count) bytes")
            }
            tally.total += 1
        }
        tally.seconds = Date().timeIntervalSince(start)
    }

    /// Why a diagnostic is not fit to show, or nil when it is. Rendering it must not crash either.
    static func malformed(_ d: Diagnostic) -> String? {
        _ = d.rendered()
        _ = d.jsonObject()
        if d.message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "empty message" }
        guard let loc = d.location else { return "no location" }
        guard let file = loc.file else { return "location without a file" }
        // Lines are counted here as the lexer counts them (one per "\n" scalar), independently of
        // SourceFile.lines, so a miscount there cannot hide a bad location.
        let lines = lineLengths(file)
        if loc.line < 1 || loc.col < 1 { return "location \(loc.line):\(loc.col) before the start" }
        if Int(loc.line) > lines.count + 1 { return "line \(loc.line) past the end (\(lines.count) lines)" }
        // A caret may sit just past the last character (an unexpected end of line), not further.
        if Int(loc.line) <= lines.count, Int(loc.col) > lines[Int(loc.line) - 1] + 2 {
            return "column \(loc.col) past the end of line \(loc.line) (\(lines[Int(loc.line) - 1]) characters)"
        }
        return nil
    }

    /// The length in unicode scalars of each line, a trailing "\r" included.
    static func lineLengths(_ file: SourceFile) -> [Int] {
        var lengths = [0]
        for s in file.scalars {
            if s == "\n" { lengths.append(0) } else { lengths[lengths.count - 1] += 1 }
        }
        return lengths
    }
}

/// Counters shared between the worker thread and the test (read only after the worker finished).
final class MutationTally: @unchecked Sendable {
    var total = 0
    var accepted = 0
    var parseRejected = 0
    var resolveRejected = 0
    var problems: [String] = []
    var kinds: [String: Int] = [:]
    var current = 0
    var currentLabel = ""
    var slowest = 0.0
    var slowestLabel = ""
    var seconds = 0.0
}

/// Serves the mutant as the root file and the unmutated corpus for its imports; nothing comes from disk.
final class MutantSources: SourceProvider {
    var mutant: SourceFile?
    private var files: [String: String] = [:]

    init(corpus: [(name: String, bytes: [UInt8])]) {
        for (name, bytes) in corpus {
            // Imports are `./_lib_x.plat` or `./_sub/inner.plat`, relative to the case folder.
            let base = name.hasPrefix("Cases/") ? String(name.dropFirst(6)) : name
            files[base] = String(decoding: bytes, as: UTF8.self)
        }
    }

    func read(path: String) throws -> SourceFile {
        if path == "mutant.plat", let mutant { return mutant }
        let key = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        if let text = files[key] { return SourceFile(path: path, text: text) }
        throw Diagnostic(message: "cannot read file '\(path)'", location: nil, hint: "no such file")
    }
}

/// Effects are never performed: the mutants are checked, not run.
final class CheckOnlyEffects: EffectHandler {
    func perform(_ call: EffectCall) throws -> Value { .null }
    func stepStarted(_ step: StepEvent) throws {}
    func stepFinished(_ step: StepEvent, outcome: StepOutcome) {}
    func write(_ text: String) {}
}

/// Produces mutants of the corpus: each applies one to three edits to one file (or a splice of two).
struct Mutator {
    struct Mutant {
        var bytes: [UInt8]
        var kind: String
        var label: String
    }

    private var rng: SeededRandom
    private let corpus: [[UInt8]]

    static let tokens: [String] = ["{", "}", "(", ")", "[", "]", "\"", "\"\"\"", "\\(", "fn", "=>", "1h", "0x", "#",
                                   "r\"", "\n", "let", "var", "plan", "step \"s\" {", "import", "..", "9999999999999999999999",
                                   "1e999", "\\u{", ",", ":", "=", "+=", "not in", "return", "break", "continue",
                                   "try {", "catch", "else", "x.", "_", "20MB", "5m3", "\t"]
    static let invalidUTF8: [[UInt8]] = [[0xFF], [0xFE, 0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0x80], [0xE2, 0x82],
                                         [0xF4, 0x90, 0x80, 0x80], [0xC3], [0x00], [0x0D], [0xEF, 0xBB, 0xBF]]

    init(seed: UInt64, corpus: [[UInt8]]) {
        rng = SeededRandom(seed: seed)
        self.corpus = corpus
    }

    mutating func next() -> Mutant {
        let fileIndex = rng.below(corpus.count)
        var bytes = corpus[fileIndex]
        let edits = 1 + (rng.chance(30) ? rng.below(3) : 0)
        var kinds: [String] = []
        for _ in 0..<edits {
            let kind = mutate(&bytes)
            kinds.append(kind)
        }
        return Mutant(bytes: bytes, kind: kinds.first ?? "?",
                      label: "file \(fileIndex), edits \(kinds.joined(separator: "+"))")
    }

    /// Applies one random edit and names it.
    private mutating func mutate(_ b: inout [UInt8]) -> String {
        switch rng.below(9) {
        case 0:
            guard !b.isEmpty else { return "flip(empty)" }
            let i = rng.below(b.count)
            b[i] ^= UInt8(1 << rng.below(8))
            return "flip"
        case 1:
            let i = rng.below(b.count + 1)
            // Mostly printable ASCII, where the lexer's interesting decisions are.
            let byte = rng.chance(80) ? UInt8(32 + rng.below(95)) : UInt8(truncatingIfNeeded: rng.next())
            b.insert(byte, at: i)
            return "insert"
        case 2:
            guard !b.isEmpty else { return "delete(empty)" }
            let i = rng.below(b.count)
            let n = min(b.count - i, 1 + (rng.chance(20) ? rng.below(40) : 0))
            b.removeSubrange(i..<(i + n))
            return "delete"
        case 3:
            b = Array(b.prefix(rng.below(b.count + 1)))
            return "truncate"
        case 4:
            let other = corpus[rng.below(corpus.count)]
            let cut = rng.below(b.count + 1)
            let from = rng.below(other.count + 1)
            b = Array(b.prefix(cut)) + Array(other.suffix(from: from))
            return "splice"
        case 5:
            return duplicateLine(&b)
        case 6, 7:
            let token = Mutator.tokens[rng.below(Mutator.tokens.count)]
            let i = rng.below(b.count + 1)
            b.insert(contentsOf: Array(token.utf8), at: i)
            return "token"
        default:
            let seq = Mutator.invalidUTF8[rng.below(Mutator.invalidUTF8.count)]
            b.insert(contentsOf: seq, at: rng.below(b.count + 1))
            return "badutf8"
        }
    }

    /// Repeats one line (or a few) in place, which makes duplicate declarations and unbalanced blocks.
    private mutating func duplicateLine(_ b: inout [UInt8]) -> String {
        let newline = UInt8(ascii: "\n")
        var starts = [0]
        for (i, c) in b.enumerated() where c == newline { starts.append(i + 1) }
        // A file ending in a newline has an empty last "line"; never pick it.
        if starts.count > 1 && starts.last == b.count { starts.removeLast() }
        let first = rng.below(starts.count)
        let count = 1 + (rng.chance(25) ? rng.below(4) : 0)
        let lo = starts[first]
        let hi = first + count < starts.count ? starts[first + count] : b.count
        guard lo < hi else { return "dupline(empty)" }
        var chunk = Array(b[lo..<hi])
        if chunk.last != newline { chunk.append(newline) }
        b.insert(contentsOf: chunk, at: lo)
        return "dupline"
    }
}
