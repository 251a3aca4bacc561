import Foundation
import Testing
@testable import PlatLang

/// Our YAML reader and writer against ruamel.yaml (YAML 1.2): the corpus of real-world files, generated
/// documents in mixed styles, random values written by our encoder, and texts both must refuse. Each test
/// sends its whole batch to one Python process. When the oracle cannot be set up the tests fail.
@Suite("YAML against ruamel.yaml")
struct YAMLOracleTests {
    static let corpusDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("YAMLCorpus")

    func oracle() throws -> YAMLOracle {
        switch YAMLOracle.shared {
        case .success(let o): return o
        case .failure(let e):
            Issue.record("the YAML oracle (ruamel.yaml in a venv) cannot be set up: \(e)")
            throw e
        }
    }

    /// Compares both readings of each text; returns the names that differ, with both answers.
    func compare(_ docs: [(name: String, text: String)]) throws -> [String] {
        let answers = try oracle().read(docs.map(\.text))
        var mismatches: [String] = []
        for (doc, answer) in zip(docs, answers) {
            let ours: YAMLOracle.Answer
            do {
                ours = .value(YAMLOracle.comparable(try YAML.decode(doc.text, file: doc.name)))
            } catch {
                ours = .error("\(error)")
            }
            switch (ours, answer) {
            case let (.value(a), .value(b)) where YAMLOracle.strictlyEqual(a, b):
                continue
            default:
                mismatches.append("\(doc.name):\n  ours:   \(ours)\n  ruamel: \(answer)\n--- text ---\n\(doc.text)")
            }
        }
        return mismatches
    }

    @Test("every corpus file reads the same as ruamel.yaml reads it")
    func corpus() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpusDir.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        #expect(names.count >= 40)
        let docs = try names.map { (name: $0, text: try String(contentsOf: Self.corpusDir.appendingPathComponent($0), encoding: .utf8)) }
        let mismatches = try compare(docs)
        #expect(mismatches.isEmpty, "\(mismatches.count) differ:\n\(mismatches.joined(separator: "\n\n"))")
    }

    @Test("generated documents in mixed styles read the same as ruamel.yaml reads them")
    func generatedDocuments() throws {
        var docs: [(name: String, text: String)] = []
        for seed in 0..<300 {
            var g = DocumentGenerator(rng: SplitMix64(seed: UInt64(seed)))
            docs.append(("generated seed \(seed)", g.document()))
        }
        let mismatches = try compare(docs)
        #expect(mismatches.isEmpty, "\(mismatches.count) differ; first ones:\n\(mismatches.prefix(3).joined(separator: "\n\n"))")
    }

    @Test("what yaml.encode writes, ruamel.yaml reads back as the same value")
    func encoderOutputReadByRuamel() throws {
        var values: [Value] = []
        for seed in 0..<300 {
            var g = ValueGenerator(rng: SplitMix64(seed: UInt64(seed) &+ 1000))
            values.append(g.value())
        }
        let texts = try values.map { try YAML.encode($0) }
        let answers = try oracle().read(texts)
        var mismatches: [String] = []
        for (i, (value, answer)) in zip(values, answers).enumerated() {
            let expected = YAMLOracle.comparable(value)
            guard case .value(let read) = answer, YAMLOracle.strictlyEqual(read, expected) else {
                mismatches.append("value \(i) \(value.repr):\n  ruamel: \(answer)\n--- text ---\n\(texts[i])")
                continue
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ; first ones:\n\(mismatches.prefix(3).joined(separator: "\n\n"))")
    }

    /// Texts that are not valid YAML: both readers refuse them.
    static let invalid: [String] = [
        "a: \"unterminated\n",
        "a: 'unterminated\n",
        "a: [1, 2\n",
        "a: {b: 1\n",
        "a: 1\na: 2\n",
        "a:\n  b: 1\n c: 2\n",
        "a:\n\tb: 1\n",
        "key\nwith: lines\n",
        "a: b: c\n",
        "- a\nb: c\n",
        "a: *nothing\n",
        "a: \"\\q\"\n",
        "a: |0\n  x\n",
        "a: 1\n- b\n",
        "'a\n  b': 1\n",
        "a: @x\n",
        "a: [b, c]]\n",
    ]

    @Test("texts that are not YAML are refused by both readers")
    func bothRefuse() throws {
        let answers = try oracle().read(Self.invalid)
        for (text, answer) in zip(Self.invalid, answers) {
            if case .value(let v) = answer { Issue.record("ruamel read \(text.debugDescription) as \(v.repr)") }
            #expect(throws: YAMLError.self, "\(text.debugDescription)") { try YAML.decode(text) }
        }
    }
}
