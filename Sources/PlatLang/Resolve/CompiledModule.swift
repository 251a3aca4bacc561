/// One .plat file after resolution: its top-level code, its globals, its plans, and the files it imports.
public final class CompiledModule {
    public let file: SourceFile
    /// The import name (`std/strings`) or the path as given.
    public let name: String
    let globals = Globals()
    var topLevel: FunctionCode!
    var globalIndex: [String: LocalVar] = [:]
    /// Plans in declaration order.
    public internal(set) var plans: [PlanInfo] = []
    /// Declarative blocks (`schedule "name" { ... }`) in order, with their values worked out before running.
    public internal(set) var declarations: [Declaration] = []
    /// Effect calls whose arguments are all constants (`script("cleanup", version: 2)`), for checks a host can
    /// make before running (does that library script exist?).
    public internal(set) var constantEffectCalls: [(name: String, args: [String: Value], loc: SourceLoc)] = []
    var imports: [CompiledModule] = []
    /// Set once its top-level code has run (a module runs once however often it is imported).
    var moduleObject: ModuleObject?
    var isRunning = false

    init(file: SourceFile, name: String) {
        self.file = file
        self.name = name
    }

    /// Names other files can reach through an import (those not starting with `_`).
    var exportedNames: [String] {
        globals.names.filter { !$0.hasPrefix("_") }
    }

    /// Every file this program consists of, this one first, each once.
    public var allFiles: [SourceFile] {
        // The modules seen are searched in a list, not a Set: a program imports a handful, and the first
        // Set<ObjectIdentifier> of a process cost more to set up (0.34 M instructions) than a one-line run's
        // whole load.
        var seen: [CompiledModule] = []
        var out: [SourceFile] = []
        func visit(_ m: CompiledModule) {
            guard !seen.contains(where: { $0 === m }) else { return }
            seen.append(m)
            out.append(m.file)
            m.imports.forEach(visit)
        }
        visit(self)
        return out
    }
}

/// A plan's signature, for the CLI (`--param` conversion, listing plans).
public struct PlanInfo {
    public let name: String
    public let params: [PlanParam]
    public let loc: SourceLoc
    let globalSlot: Int
}

public struct PlanParam {
    public let name: String
    public let type: TypeName
    /// The default's source text for help output, or nil when the parameter is required.
    public let defaultText: String?
    public var isRequired: Bool { defaultText == nil }
}

/// A declarative block, its entries evaluated at resolve time (they must be constants). A `run: plan(args)`
/// entry becomes the map `{plan: "name", args: {param: value, ...}}`.
public struct Declaration {
    public let kind: String
    public let label: String
    public let loc: SourceLoc
    public let labelLoc: SourceLoc
    public let target: String?
    public let entries: [(key: String, value: Value, loc: SourceLoc)]

    public func entry(_ key: String) -> (value: Value, loc: SourceLoc)? {
        entries.first { $0.key == key }.map { ($0.value, $0.loc) }
    }
}
