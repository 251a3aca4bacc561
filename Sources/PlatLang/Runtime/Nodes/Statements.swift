import Foundation

final class ExprStmt: StmtNode {
    let expr: ExprNode
    init(expr: ExprNode) {
        self.expr = expr
        super.init(loc: expr.loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        _ = try expr.eval(vm)
        return .normal
    }
}

/// `if c { } else if d { } else { }`: an else-if chain is nested IfNodes.
final class IfNode: StmtNode {
    let condition: ExprNode
    let then: StmtNode
    let otherwise: StmtNode?
    init(conditions: [ExprNode], bodies: [[StmtNode]], elseBody: [StmtNode]?, loc: SourceLoc) {
        condition = conditions[0]
        then = makeBlock(bodies[0], loc: loc)
        if conditions.count > 1 {
            otherwise = IfNode(conditions: Array(conditions.dropFirst()), bodies: Array(bodies.dropFirst()),
                               elseBody: elseBody, loc: conditions[1].loc)
        } else {
            otherwise = elseBody.map { makeBlock($0, loc: loc) }
        }
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        if try condition.evalBool(vm, "an if condition") { return try then.exec(vm) }
        if let o = otherwise { return try o.exec(vm) }
        return .normal
    }
}

final class WhileNode: StmtNode {
    let condition: ExprNode
    let body: StmtNode
    init(condition: ExprNode, body: [StmtNode], loc: SourceLoc) {
        self.condition = condition
        self.body = makeBlock(body, loc: loc)
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        while try condition.evalBool(vm, "a while condition") {
            try vm.pollStop()
            switch try body.exec(vm) {
            case .normal, .continueLoop: continue
            case .breakLoop: return .normal
            case .returned: return .returned
            }
        }
        return .normal
    }
}

/// `for x in xs`, `for k, v in m`, `for i, x in enumerate(xs)` (two names over a list of pairs).
final class ForInNode: StmtNode {
    let targets: [VarRef]
    let iterable: ExprNode
    let body: StmtNode
    init(targets: [VarRef], iterable: ExprNode, body: [StmtNode], loc: SourceLoc) {
        self.targets = targets
        self.iterable = iterable
        self.body = makeBlock(body, loc: loc)
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        let seq = try iterable.eval(vm)
        switch seq {
        case .list(let xs):
            if targets.count == 1, let slot = (targets[0] as? LocalRef)?.slot {
                // A local loop variable (the usual case) is stored in place, not through a virtual setter. `seq`
                // holds the list for the whole loop, so its buffer is read directly, without an iterator.
                let f = try xs.withUnsafeBufferPointer { items -> Flow? in
                    for x in items {
                        let p = vm.stack + vm.base + slot
                        // A number or bool over a number or bool: stored without the general copy and release.
                        if x.isInline && p.pointee.isInline { p.initialize(to: x) } else { p.pointee = x }
                        if let f = try runBody(vm) { return f }
                    }
                    return nil
                }
                if let f { return f }
            } else if targets.count == 1 {
                let t = targets[0]
                for x in xs {
                    t.set(vm, x)
                    if let f = try runBody(vm) { return f }
                }
            } else {
                for x in xs {
                    guard case .list(let pair) = x, pair.count == targets.count else {
                        throw vm.error("cannot unpack \(x.typeName) \(x.repr) into \(targets.count) names", at: loc,
                                       hint: "two names take a map, or a list of pairs such as enumerate(xs)")
                    }
                    for (t, v) in zip(targets, pair) { t.set(vm, v) }
                    if let f = try runBody(vm) { return f }
                }
            }
        case .map(let m):
            for (k, v) in m.pairs {
                targets[0].set(vm, k)
                if targets.count > 1 { targets[1].set(vm, v) }
                if let f = try runBody(vm) { return f }
            }
        case .string(let s):
            guard targets.count == 1 else {
                throw vm.error("a string gives one value per character; use one name", at: loc)
            }
            for ch in s {
                targets[0].set(vm, .string(String(ch)))
                if let f = try runBody(vm) { return f }
            }
        default:
            throw vm.error("cannot iterate over \(seq.typeName)", at: iterable.loc,
                           hint: "for takes a list, a map or a string")
        }
        return .normal
    }

    /// nil to go on with the next item, or the flow that ends the loop.
    @inline(__always)
    private func runBody(_ vm: VM) throws -> Flow? {
        try vm.pollStop()
        switch try body.exec(vm) {
        case .normal, .continueLoop: return nil
        case .breakLoop: return .normal
        case .returned: return .returned
        }
    }
}

/// `for i in range(a, b, step)` without building the list.
final class ForRangeNode: StmtNode {
    let target: VarRef
    let bounds: [ExprNode]
    let body: StmtNode
    init(target: VarRef, bounds: [ExprNode], body: [StmtNode], loc: SourceLoc) {
        self.target = target
        self.bounds = bounds
        self.body = makeBlock(body, loc: loc)
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        var ints: [Int] = []
        for b in bounds {
            let v = try b.eval(vm)
            guard case .int(let i) = v else {
                throw vm.error("range() expects int arguments, got \(v.typeName)", at: b.loc)
            }
            ints.append(i)
        }
        let (start, end, step): (Int, Int, Int)
        switch ints.count {
        case 1: (start, end, step) = (0, ints[0], 1)
        case 2: (start, end, step) = (ints[0], ints[1], 1)
        default: (start, end, step) = (ints[0], ints[1], ints[2])
        }
        if step == 0 { throw vm.error("range() step must not be zero", at: loc) }
        var i = start
        // A local counter (the usual case) is stored in place, not through its reference's virtual setter.
        let localSlot = (target as? LocalRef)?.slot
        if step == 1, let slot = localSlot { return try countUp(vm, from: start, to: end, slot: slot) }
        while step > 0 ? i < end : i > end {
            if let slot = localSlot {
                // The counter's previous value is an int: overwritten without the general release.
                let p = vm.stack + vm.base + slot
                if p.pointee.isInline { p.initialize(to: .int(i)) } else { p.pointee = .int(i) }
            } else {
                target.set(vm, .int(i))
            }
            try vm.pollStop()
            switch try body.exec(vm) {
            case .normal, .continueLoop: break
            case .breakLoop: return .normal
            case .returned: return .returned
            }
            let (n, o) = i.addingReportingOverflow(step)
            if o { break }
            i = n
        }
        return .normal
    }
}

extension ForRangeNode {
    /// `for i in range(a, b)` with a local counter, the commonest loop: no step to test each time, and `i + 1`
    /// cannot overflow while `i < end`.
    @inline(__always)
    fileprivate func countUp(_ vm: VM, from start: Int, to end: Int, slot: Int) throws -> Flow {
        var i = start
        while i < end {
            // The stack may have moved (grown by a deep call in the body): the slot's address is taken anew.
            let p = vm.stack + vm.base + slot
            if p.pointee.isInline { p.initialize(to: .int(i)) } else { p.pointee = .int(i) }
            try vm.pollStop()
            switch try body.exec(vm) {
            case .normal, .continueLoop: break
            case .breakLoop: return .normal
            case .returned: return .returned
            }
            i &+= 1
        }
        return .normal
    }
}

final class BreakNode: StmtNode {
    override func exec(_ vm: VM) throws -> Flow { .breakLoop }
}

final class ContinueNode: StmtNode {
    override func exec(_ vm: VM) throws -> Flow { .continueLoop }
}

final class ReturnNode: StmtNode {
    let value: ExprNode?
    init(value: ExprNode?, loc: SourceLoc) {
        self.value = value
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        vm.returnValue = try value?.eval(vm) ?? .null
        return .returned
    }
}

final class AssertNode: StmtNode {
    let condition: ExprNode
    let message: ExprNode?
    init(condition: ExprNode, message: ExprNode?, loc: SourceLoc) {
        self.condition = condition
        self.message = message
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        if try condition.evalBool(vm, "an assert condition") { return .normal }
        var text = "assertion failed"
        if let m = message {
            let v = try m.eval(vm)
            text += ": " + v.printed
        }
        throw vm.error(text, at: loc)
    }
}

/// `try { } catch e { }`: catches every runtime error; `e` is a map with `message` and `location`
/// (and `hint` when there is one).
final class TryCatchNode: StmtNode {
    let body: StmtNode
    let errorTarget: VarRef?
    let handler: StmtNode
    init(body: [StmtNode], errorTarget: VarRef?, handler: [StmtNode], loc: SourceLoc) {
        self.body = makeBlock(body, loc: loc)
        self.errorTarget = errorTarget
        self.handler = makeBlock(handler, loc: loc)
        super.init(loc: loc)
    }
    override func exec(_ vm: VM) throws -> Flow {
        let savedBase = vm.base, savedEnv = vm.env, savedClosure = vm.closure, savedDepth = vm.depth
        let stepDepth = vm.steps.depth
        do {
            return try body.exec(vm)
        } catch let d as Diagnostic where d.phase == .runtime {
            vm.base = savedBase
            vm.env = savedEnv
            vm.closure = savedClosure
            vm.depth = savedDepth
            vm.steps.unwind(to: stepDepth)
            if let t = errorTarget { t.set(vm, errorValue(d)) }
            return try handler.exec(vm)
        } catch let r as RuntimeError {
            if let t = errorTarget {
                t.set(vm, errorValue(Diagnostic(message: r.message, location: loc, hint: r.hint, phase: .runtime)))
            }
            return try handler.exec(vm)
        }
    }
}

func errorValue(_ d: Diagnostic) -> Value {
    var pairs: [(String, Value)] = [("message", .string(d.message))]
    pairs.append(("location", d.location.map { .string($0.description) } ?? .null))
    // Always present, so `e.hint` reads nil rather than failing for an error that has none.
    pairs.append(("hint", d.hint.map { .string($0) } ?? .null))
    return Value.makeMap(pairs)
}
