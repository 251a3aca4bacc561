import Foundation

/// Where source files come from: the disk for `platflow run`, a stored snapshot when a durable run replays
/// the code it started with.
public protocol SourceProvider: AnyObject {
    /// Returns the file at `path` (as the user or an import spelled it), or throws a Diagnostic.
    func read(path: String) throws -> SourceFile
}

public final class DiskSources: SourceProvider {
    public init() {}
    public func read(path: String) throws -> SourceFile { try SourceFile.load(path: path) }
}

/// Loads, parses and resolves a file and everything it imports; each file once, import cycles refused.
final class ModuleLoader {
    let builtins: [String: Value]
    let effectSpecs: [String: EffectSpec]
    /// The declaration forms files may use, as given (the parser looks them up by keyword).
    let declarationSpecs: [DeclarationSpec]
    /// The same by kind, for the resolver.
    let declarationKinds: [String: DeclarationSpec]
    let sources: SourceProvider
    private var cache: [String: CompiledModule] = [:]
    private var loading: [String] = []
    /// Problems found in imported files, reported alongside the importing file's own.
    var importedDiagnostics: [Diagnostic] = []

    init(builtins: [String: Value], effectSpecs: [EffectSpec], declarations: [DeclarationSpec], sources: SourceProvider) {
        self.builtins = builtins
        var specs: [String: EffectSpec] = [:]
        for s in effectSpecs { specs[s.name] = s }
        self.effectSpecs = specs
        self.declarationSpecs = declarations
        var kinds: [String: DeclarationSpec] = [:]
        for d in declarations {
            precondition(kinds[d.kind] == nil, "two declaration specs declare the kind '\(d.kind)'")
            kinds[d.kind] = d
        }
        self.declarationKinds = kinds
        self.sources = sources
    }

    /// Parses and resolves the program's main file. Returns every diagnostic of it and of its imports.
    func loadRoot(path: String) -> (CompiledModule?, [Diagnostic]) {
        let file: SourceFile
        do {
            file = try sources.read(path: path)
        } catch let d as Diagnostic {
            return (nil, [d])
        } catch {
            return (nil, [Diagnostic(message: "cannot read '\(path)': \(error)", location: nil, phase: .usage)])
        }
        let m = compile(file, name: path, key: canonical(path))
        let own = m.1
        return (m.0, own + importedDiagnostics)
    }

    private func compile(_ file: SourceFile, name: String, key: String) -> (CompiledModule, [Diagnostic]) {
        let module = CompiledModule(file: file, name: name)
        cache[key] = module
        loading.append(key)
        defer { loading.removeLast() }
        let (program, parseErrors) = parseProgram(file, declarations: declarationSpecs)
        if !parseErrors.isEmpty {
            return (module, parseErrors)
        }
        return (module, Resolver.resolve(program, into: module, loader: self))
    }

    /// `import "std/NAME"` or `import "./file.plat"` (relative to the importing file).
    func load(importPath: String, from importer: CompiledModule, at loc: SourceLoc) -> Result<CompiledModule, Diagnostic> {
        let display: String
        let key: String
        var file: SourceFile? = nil
        if importPath.hasPrefix("std/") {
            let name = String(importPath.dropFirst(4))
            guard let text = StdlibSources.files[name] else {
                let hint = closestName(to: name, in: Array(StdlibSources.files.keys)).map { "did you mean 'std/\($0)'?" }
                    ?? "the standard library has: \(StdlibSources.files.keys.sorted().map { "std/\($0)" }.joined(separator: ", "))"
                return .failure(Diagnostic(message: "no standard library module '\(importPath)'", location: loc,
                                           hint: hint, phase: .resolve))
            }
            display = "std/\(name).plat"
            key = "std:" + name
            if cache[key] == nil { file = SourceFile(path: display, text: text) }
        } else if importPath.hasPrefix("./") || importPath.hasPrefix("../") {
            display = ModuleLoader.join((importer.file.path as NSString).deletingLastPathComponent, importPath)
            key = canonical(display)
        } else {
            return .failure(Diagnostic(message: "import path \"\(importPath)\" must start with ./, ../ or std/",
                                       location: loc, hint: "write \"./\(importPath)\" for a file beside this one",
                                       phase: .resolve))
        }
        if let i = loading.firstIndex(of: key) {
            let cycle = (loading[i...].map { cache[$0]?.file.path ?? $0 } + [display]).joined(separator: " → ")
            return .failure(Diagnostic(message: "import cycle: \(cycle)", location: loc,
                                       hint: "move what both files need into a third file", phase: .resolve))
        }
        if let m = cache[key] { return .success(m) }
        if file == nil {
            do {
                file = try sources.read(path: display)
            } catch {
                return .failure(Diagnostic(message: "cannot import \"\(importPath)\": no file at \(display)",
                                           location: loc, phase: .resolve))
            }
        }
        let (m, diags) = compile(file!, name: importPath.hasPrefix("std/") ? importPath : display, key: key)
        importedDiagnostics += diags
        return .success(m)
    }

    /// Joins a relative import onto the importing file's folder, folding `.` and `..` without touching the disk,
    /// so diagnostics name each file the same way however it was reached.
    static func join(_ dir: String, _ relative: String) -> String {
        let absolute = dir.hasPrefix("/")
        var parts: [String] = dir.split(separator: "/").map(String.init).filter { $0 != "." }
        for c in relative.split(separator: "/").map(String.init) {
            if c == "." || c.isEmpty { continue }
            if c == "..", let last = parts.last, last != ".." { parts.removeLast() } else { parts.append(c) }
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.hasPrefix("..") ? joined : "./" + joined
    }

    private func canonical(_ path: String) -> String {
        // A file that exists: realpath(3) gives what standardizingPath does (absolute, symbolic links resolved,
        // no `.` or `..`) for a small part of its cost (0.09 M instructions a call). A pinned file no longer
        // on disk takes the long way.
        if !path.hasPrefix("~"), let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        let abs = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return (abs as NSString).standardizingPath
    }
}
