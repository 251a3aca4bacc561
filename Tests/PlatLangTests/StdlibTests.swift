import Foundation
import Testing
@testable import PlatLang

/// The standard library ships inside the binary; these tests keep the embedded copy equal to stdlib/*.plat.
struct StdlibTests {
    static let stdlibDir = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("stdlib")

    @Test("the embedded stdlib matches stdlib/*.plat (run scripts/generate-stdlib.sh after editing it)")
    func embeddedCopyIsFresh() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: StdlibTests.stdlibDir.path)
            .filter { $0.hasSuffix(".plat") }
        var onDisk: [String: String] = [:]
        for f in files {
            let text = try String(contentsOf: StdlibTests.stdlibDir.appendingPathComponent(f), encoding: .utf8)
            // A Swift multi-line literal drops the final newline.
            onDisk[String(f.dropLast(5))] = text.hasSuffix("\n") ? String(text.dropLast()) : text
        }
        #expect(Set(onDisk.keys) == Set(StdlibSources.files.keys), "stale: run scripts/generate-stdlib.sh")
        for (name, text) in onDisk {
            #expect(StdlibSources.files[name] == text, "std/\(name) is stale: run scripts/generate-stdlib.sh")
        }
    }

    @Test("every stdlib module parses and resolves cleanly")
    func modulesCheck() {
        for name in StdlibSources.files.keys.sorted() {
            let file = SourceFile(path: "std/\(name).plat", text: StdlibSources.files[name]!)
            let (_, diagnostics) = parseProgram(file)
            #expect(diagnostics.isEmpty, "std/\(name): \(diagnostics.map { $0.rendered() }.joined())")
        }
    }
}
