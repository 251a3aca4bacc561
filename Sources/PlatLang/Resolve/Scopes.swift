/// What the resolver knows about a name declared in a function (or at the top level of a file).
struct LocalVar {
    enum Storage {
        case stack(Int)
        case env(Int)
        case global(Int)
    }
    var storage: Storage
    var isLet: Bool
    var loc: SourceLoc
    /// An import alias: `alias.name` is checked against the module's public names.
    var module: CompiledModule?
    /// A top-level `fn`: calls to it are checked against its parameters at resolve time.
    var function: FunctionDecl?
}

/// The resolver's view of one function being compiled: its block scopes, slot allocation and loop depth.
final class FunctionContext {
    let parent: FunctionContext?
    let name: String
    let isModule: Bool
    let isPlan: Bool
    var scopes: [[String: LocalVar]] = [[:]]
    var nextSlot = 0
    var maxSlot = 0
    var envSize = 0
    var loopDepth = 0
    /// Inside a `step` (directly or in a nested block of this function).
    var stepDepth = 0
    /// Values this function copies from its creator when a closure of it is made: immutable (`let`)
    /// variables of enclosing functions. Copying them gives every loop iteration its own binding.
    var captures: [CaptureSource] = []
    var captureIndex: [SourceLoc: Int] = [:]
    /// Call sites in this function, told the final frame size when compilation ends.
    var frameSized: [FrameSized] = []

    func finishFrame() -> Int {
        for n in frameSized { n.callerFrameSize = maxSlot }
        return maxSlot
    }

    init(parent: FunctionContext?, name: String, isModule: Bool, isPlan: Bool) {
        self.parent = parent
        self.name = name
        self.isModule = isModule
        self.isPlan = isPlan
    }

    private var slotMarks: [Int] = []

    func pushScope() {
        scopes.append([:])
        slotMarks.append(nextSlot)
    }

    /// Leaves a block: its stack slots become free for the next block.
    func popScope() {
        scopes.removeLast()
        nextSlot = slotMarks.removeLast()
    }

    func allocateStack() -> Int {
        let s = nextSlot
        nextSlot += 1
        maxSlot = max(maxSlot, nextSlot)
        return s
    }

    func allocateEnv() -> Int {
        envSize += 1
        return envSize - 1
    }

    func lookupLocal(_ name: String) -> LocalVar? {
        for scope in scopes.reversed() {
            if let v = scope[name] { return v }
        }
        return nil
    }

    var visibleNames: [String] { scopes.flatMap { $0.keys } }
}

/// Where a closure's copied value comes from when the closure is created: a variable of the creating
/// function's frame, or a value the creating closure itself copied.
enum CaptureSource {
    case creatorVariable(VarRef)
    case creatorCapture(Int)
}
