/// Statements, blocks, declarations and parameters.
extension Parser {
    // MARK: - Statement lists and blocks

    /// statements = { separator } { ( compound_stmt | simple_stmt end ) { separator } } ;
    /// separator  = NEWLINE | ";" ;
    /// end        = separator | &"}" | &EOF ;   (a `}` or the end of the file is left for the caller)
    /// A statement that ends with a block may be followed by the next statement on the same line.
    mutating func parseStatements(inBlock: Bool) -> [Stmt] {
        var statements: [Stmt] = []
        while !stopped {
            while peek().isNewline || check(.semicolon) { advance() }
            let t = peek()
            if t.isEOF || (inBlock && t.isPunct(.rbrace)) { break }
            let before = consumed
            let (savedDepth, savedSkip, savedBrackets) = (depth, skipNewlines, openBrackets)
            openBrackets = []
            do {
                let stmt = try parseStatement()
                statements.append(stmt)
                if !Parser.endsWithBlock(stmt) { try parseSeparator(after: stmt) }
            } catch {
                (depth, skipNewlines) = (savedDepth, savedSkip)
                if stopped { break }
                synchronize()
                // Recovery must move: a token that no rule takes (a stray `}` at top level) is dropped.
                let here = peek()
                if consumed == before && !here.isEOF && !(inBlock && here.isPunct(.rbrace)) { advance() }
            }
            openBrackets = savedBrackets
        }
        return statements
    }

    /// end = separator | &"}" | &EOF ;   what must follow a simple statement.
    mutating func parseSeparator(after stmt: Stmt? = nil) throws {
        let t = peek()
        if t.isNewline || t.isPunct(.semicolon) {
            advance()
        } else if !t.isEOF && !t.isPunct(.rbrace) {
            if case .punct(let p) = t.kind, [.assign, .plusAssign, .minusAssign, .starAssign, .slashAssign].contains(p) {
                throw error("unexpected '\(p.rawValue)' (assignment is a statement of its own)", at: t)
            }
            // `throw "x"`, `def f():`, `function f() {`: a word of another language read as a name.
            var hint: String? = nil
            if case .expr(let e)? = stmt?.kind, case .name(let word) = e.kind { hint = ForeignSpellings.hint(for: word) }
            throw expected("a line break or ';' after the statement", hint: hint ?? quoteInsideStringHint(before: t))
        }
    }

    static func endsWithBlock(_ stmt: Stmt) -> Bool {
        switch stmt.kind {
        case .ifStmt, .forIn, .whileStmt, .fnDecl, .planDecl, .step, .tryCatch, .declaration: return true
        default: return false
        }
    }

    /// block = "{" statements "}" ;
    mutating func parseBlock(after context: String) throws -> Block {
        if peek().isNewline && peek(ahead: 1).isPunct(.lbrace) {
            // A brace on the next line: say so, then parse the block as if it were in its place.
            record("expected '{' after \(context), found end of line", at: peek(),
                   hint: "put the '{' on the same line as what it belongs to")
            skipLineBreaks()
        }
        let open = try expect(.lbrace, "after \(context)")
        try enter()
        let (savedSkip, savedBrackets) = (skipNewlines, openBrackets)
        skipNewlines = false
        defer {
            depth -= 1
            (skipNewlines, openBrackets) = (savedSkip, savedBrackets)
        }
        let statements = parseStatements(inBlock: true)
        let close = peek()
        if close.isPunct(.rbrace) {
            advance()
        } else if !stopped {
            record("expected '}' to close the block started at \(position(open)), found \(describe(close))", at: close)
        }
        return Block(statements: statements, loc: loc(open), endLoc: loc(close))
    }

    // MARK: - Statements

    /// compound_stmt = if_stmt | for_stmt | while_stmt | fn_decl | plan_decl | step_stmt | try_stmt | declaration ;
    /// simple_stmt   = var_decl | return_stmt | "break" | "continue" | assert_stmt | import_stmt
    ///               | assignment | expression ;
    mutating func parseStatement() throws -> Stmt {
        let t = peek()
        switch t.kind {
        case .keyword(let k):
            switch k {
            case .kwLet, .kwVar: return try parseVarDecl()
            case .kwIf: return try parseIf()
            case .kwFor: return try parseFor()
            case .kwWhile: return try parseWhile()
            case .kwBreak:
                advance()
                return Stmt(.breakStmt, loc(t))
            case .kwContinue:
                advance()
                return Stmt(.continueStmt, loc(t))
            case .kwReturn: return try parseReturn()
            case .kwFn:
                if case .ident = peek(ahead: 1).kind { return try parseFnDecl() }
            case .kwPlan: return try parsePlan()
            case .kwStep: return try parseStep()
            case .kwTry: return try parseTry()
            case .kwAssert: return try parseAssert()
            case .kwImport: return try parseImport()
            case .kwElse, .kwCatch:
                throw reportMisplaced(t)
            default:
                break
            }
        case .ident(let word):
            if let spec = declarations[word], opensDeclaration(spec) { return try parseDeclaration(spec) }
        case .punct(.lbrace):
            throw error("unexpected '{' (a block must follow if, else, for, while, fn, plan, step, try or catch)", at: t)
        case .punct(.rbrace):
            throw error("unexpected '}' (there is no open block to close)", at: t)
        default:
            break
        }
        return try parseSimpleStatement()
    }

    /// An `else` or `catch` that does not follow the `}` of its `if` or `try` on the same line.
    mutating func reportMisplaced(_ t: Token) -> ParseError {
        if t.isKeyword(.kwElse) {
            return error("unexpected 'else' (an else must follow the closing '}' of an if on the same line)", at: t,
                         hint: "write '} else {' on one line")
        }
        return error("unexpected 'catch' (a catch must follow the closing '}' of a try on the same line)", at: t,
                     hint: "write '} catch err {' on one line")
    }

    /// assignment = target ( "=" | "+=" | "-=" | "*=" | "/=" ) expression ;
    /// target     = NAME { index_suffix | member_suffix } ;
    /// (parsed as an expression first; anything but a target before the operator is reported)
    mutating func parseSimpleStatement() throws -> Stmt {
        let first = peek()
        let e = try parseExpr()
        let t = peek()
        let op: AssignOp?
        switch t.kind {
        case .punct(.assign): op = nil
        case .punct(.plusAssign): op = .add
        case .punct(.minusAssign): op = .sub
        case .punct(.starAssign): op = .mul
        case .punct(.slashAssign): op = .div
        default: return Stmt(.expr(e), loc(first))
        }
        if case .slice = e.kind {
            record("cannot assign to a slice", at: first,
                   hint: "a slice is a copy; build the new list instead: xs = xs[:1] + [5] + xs[2:]")
        } else if !Parser.isAssignable(e) {
            record("cannot assign to this expression", at: first,
                   hint: "assign to a variable, a list item a[i], a map key m[\"k\"] or a field a.b")
        }
        advance()
        let value = try parseExpr()
        return Stmt(.assign(target: e, op: op, value: value), loc(first))
    }

    static func isAssignable(_ e: Expr) -> Bool {
        switch e.kind {
        case .name: return true
        case .index(let base, _), .member(let base, _, _): return isAssignable(base)
        default: return false
        }
    }

    /// var_decl = ( "let" | "var" ) NAME "=" expression ;
    mutating func parseVarDecl() throws -> Stmt {
        let keyword = advance()
        let isLet = keyword.isKeyword(.kwLet)
        let word = isLet ? "let" : "var"
        let nameToken = peek()
        guard case .ident(let name) = nameToken.kind else {
            if case .keyword(let k) = nameToken.kind {
                throw expected("a name after '\(word)'", hint: "'\(k.rawValue)' is a keyword and cannot name a variable")
            }
            throw expected("a name after '\(word)'")
        }
        advance()
        if !check(.assign) {
            let hint = check(.colon) ? "variables take no type annotation: write \(word) \(name) = value"
                : "every variable starts with a value, as in: \(word) \(name) = 0"
            throw expected("'=' and a value after '\(word) \(name)'", hint: hint)
        }
        advance()
        let value = try parseExpr()
        return Stmt(.varDecl(isLet: isLet, name: name, nameLoc: loc(nameToken), value: value), loc(keyword))
    }

    /// The condition of `if` and `while`, with a clear message when it is missing.
    mutating func parseCondition(of keyword: String) throws -> Expr {
        if check(.lbrace) { throw expected("a condition after '\(keyword)'") }
        return try parseExpr()
    }

    /// The `{` after a condition, with a hint when `=` was written for `==`.
    mutating func parseBodyAfterCondition(of keyword: String) throws -> Block {
        if check(.assign) {
            throw expected("'{' after the \(keyword) condition", hint: "use '==' to compare")
        }
        return try parseBlock(after: "the \(keyword) condition")
    }

    /// if_stmt = "if" expression block { "else" "if" expression block } [ "else" block ] ;
    mutating func parseIf() throws -> Stmt {
        let ifToken = advance()
        var clauses: [IfClause] = []
        let condition = try parseCondition(of: "if")
        clauses.append(IfClause(condition: condition, body: try parseBodyAfterCondition(of: "if")))
        var elseBody: Block? = nil
        while true {
            if peek().isNewline && peek(ahead: 1).isKeyword(.kwElse) {
                // Report the misplaced else, then parse it as intended so that no second error follows.
                advance()
                _ = reportMisplaced(peek())
            }
            guard check(.kwElse) else { break }
            advance()
            if check(.kwIf) {
                advance()
                let c = try parseCondition(of: "if")
                clauses.append(IfClause(condition: c, body: try parseBodyAfterCondition(of: "if")))
            } else {
                elseBody = try parseBlock(after: "'else'")
                break
            }
        }
        return Stmt(.ifStmt(clauses: clauses, elseBody: elseBody), loc(ifToken))
    }

    /// for_stmt = "for" NAME [ "," NAME ] "in" expression block ;
    mutating func parseFor() throws -> Stmt {
        let forToken = advance()
        var names: [(name: String, loc: SourceLoc)] = []
        repeat {
            let t = peek()
            guard case .ident(let name) = t.kind else {
                throw expected("a loop variable name",
                               hint: t.isPunct(.lparen) ? "write for x in xs { } without parentheses; for a count, for i in range(n) { }" : nil)
            }
            advance()
            names.append((name, loc(t)))
        } while names.count < 2 && accept(.comma)
        guard check(.kwIn) else {
            throw expected("'in' after the loop variable\(names.count > 1 ? "s" : "")",
                           hint: check(.comma) ? "a for loop takes one or two names: for x in xs, for k, v in m" : nil)
        }
        advance()
        if check(.lbrace) && !startsMapLiteral() { throw expected("an expression to loop over after 'in'") }
        let iterable = try parseExpr()
        let body = try parseBlock(after: "the for loop's expression")
        return Stmt(.forIn(names: names, iterable: iterable, body: body), loc(forToken))
    }

    /// while_stmt = "while" expression block ;
    mutating func parseWhile() throws -> Stmt {
        let whileToken = advance()
        let condition = try parseCondition(of: "while")
        let body = try parseBodyAfterCondition(of: "while")
        return Stmt(.whileStmt(condition: condition, body: body), loc(whileToken))
    }

    /// return_stmt = "return" [ expression ] ;   no value when a separator, `}` or the end follows
    mutating func parseReturn() throws -> Stmt {
        let returnToken = advance()
        let t = peek()
        if t.isNewline || t.isEOF || t.isPunct(.semicolon) || t.isPunct(.rbrace) {
            return Stmt(.returnStmt(nil), loc(returnToken))
        }
        return Stmt(.returnStmt(try parseExpr()), loc(returnToken))
    }

    /// Whether the `{` here opens a map literal rather than a block: `{}` followed by another `{`, or a key
    /// (a label, a string or an int) and a `:`, which no statement starts with. Line breaks inside are skipped,
    /// as they are inside a map. Lets `for k, v in {a: 1, b: 2} { }` loop over a literal.
    mutating func startsMapLiteral() -> Bool {
        var ahead: [Token] = []
        var n = 1
        while ahead.count < 2 {
            let t = peek(ahead: n)
            n += 1
            if t.isEOF { return false }
            if !t.isNewline { ahead.append(t) }
        }
        if ahead[0].isPunct(.rbrace) { return ahead[1].isPunct(.lbrace) }
        let isKey: Bool
        switch ahead[0].kind {
        case .string, .int: isKey = true
        default: isKey = ahead[0].labelName != nil
        }
        return isKey && ahead[1].isPunct(.colon)
    }

    /// try_stmt = "try" block "catch" [ NAME ] block ;
    mutating func parseTry() throws -> Stmt {
        let tryToken = advance()
        let body = try parseBlock(after: "'try'")
        if peek().isNewline && peek(ahead: 1).isKeyword(.kwCatch) {
            advance()
            _ = reportMisplaced(peek())
        }
        guard check(.kwCatch) else {
            throw expected("'catch' after the try block", hint: "write '} catch err {' on the line of the closing '}'")
        }
        advance()
        var errorName: String? = nil
        var errorLoc: SourceLoc? = nil
        if case .ident(let name) = peek().kind {
            errorLoc = loc(advance())
            errorName = name
        } else if check(.lparen) {
            throw expected("an error name or '{' after 'catch'", hint: "write '} catch e {' without parentheses")
        }
        let handler = try parseBlock(after: errorName == nil ? "'catch'" : "'catch \(errorName ?? "")'")
        return Stmt(.tryCatch(body: body, errorName: errorName, errorLoc: errorLoc, handler: handler), loc(tryToken))
    }

    /// assert_stmt = "assert" expression [ "," expression ] ;
    mutating func parseAssert() throws -> Stmt {
        let assertToken = advance()
        let condition = try parseExpr()
        var message: Expr? = nil
        if accept(.comma) {
            skipLineBreaks()
            message = try parseExpr()
        }
        return Stmt(.assertStmt(condition: condition, message: message), loc(assertToken))
    }

    /// import_stmt = "import" plain_string "as" NAME ;
    mutating func parseImport() throws -> Stmt {
        let importToken = advance()
        let example = #"import "std/strings" as strings"#
        guard let path = plainString(peek()) else {
            throw expected("the path of the module as a plain string after 'import'", hint: "write \(example)")
        }
        advance()
        guard check(.kwAs) else { throw expected("'as' and a name after the import path", hint: "write \(example)") }
        advance()
        let aliasToken = peek()
        guard case .ident(let alias) = aliasToken.kind else { throw expected("a name after 'as'", hint: "write \(example)") }
        advance()
        return Stmt(.importStmt(path: path, alias: alias, aliasLoc: loc(aliasToken)), loc(importToken))
    }

    /// The text of a string token without interpolation, else nil.
    func plainString(_ t: Token) -> String? {
        guard case .string(let parts) = t.kind else { return nil }
        var text = ""
        for part in parts {
            guard case .text(let piece) = part else { return nil }
            text += piece
        }
        return text
    }

    // MARK: - Functions, plans and steps

    /// fn_decl = "fn" NAME params block ;
    mutating func parseFnDecl() throws -> Stmt {
        let fnToken = advance()
        let nameToken = advance()
        guard case .ident(let name) = nameToken.kind else { throw error("expected a function name", at: nameToken) }
        let params = try parseParams()
        if check(.arrow) {
            throw expected("'{' after the parameters of '\(name)'",
                           hint: "a declared function has a block: fn \(name)(...) { return ... }; '=>' is for a function value: let \(name) = fn(...) => ...")
        }
        let body = try parseBlock(after: "the parameters of '\(name)'")
        let decl = FunctionDecl(name: name, params: params, body: body, isArrow: false, loc: loc(fnToken))
        return Stmt(.fnDecl(decl), loc(fnToken))
    }

    /// plan_decl = "plan" NAME [ params ] block ;
    mutating func parsePlan() throws -> Stmt {
        let planToken = advance()
        let nameToken = peek()
        guard case .ident(let name) = nameToken.kind else { throw expected("a plan name after 'plan'") }
        advance()
        let params = check(.lparen) ? try parseParams() : []
        let body = try parseBlock(after: "the plan name '\(name)'\(params.isEmpty ? "" : " and its parameters")")
        return Stmt(.planDecl(PlanDecl(name: name, params: params, body: body, loc: loc(planToken))), loc(planToken))
    }

    /// step_stmt = "step" plain_string { "," LABEL ":" expression } block ;
    mutating func parseStep() throws -> Stmt {
        let stepToken = advance()
        let nameToken = peek()
        guard case .string = nameToken.kind else {
            throw expected("the step's name as a string after 'step'", hint: #"write step "name" { ... }"#)
        }
        guard let name = plainString(nameToken) else {
            throw error("a step name must be a plain string, without interpolation", at: nameToken,
                        hint: "step names are fixed so that a run can be resumed step by step")
        }
        advance()
        var options: [Argument] = []
        while accept(.comma) {
            skipLineBreaks()
            let labelToken = peek()
            guard let label = labelToken.labelName else {
                throw expected("an option name after ','", hint: "write step \"name\", retry: 2 { ... }")
            }
            advance()
            try expect(.colon, "after the option name '\(label)'")
            options.append(Argument(name: label, nameLoc: loc(labelToken), value: try parseExpr()))
        }
        let body = try parseBlock(after: options.isEmpty ? "the step name" : "the step options")
        return Stmt(.step(name: name, nameLoc: loc(nameToken), options: options, body: body), loc(stepToken))
    }

    /// params = "(" [ param { "," param } [ "," ] ] ")" ;
    /// param  = NAME [ ":" TYPE ] [ "=" expression ] ;
    /// TYPE   = "string" | "int" | "float" | "bool" | "duration" | "size" | "list" | "map" | "secret" | "hosts" | "any" ;
    mutating func parseParams() throws -> [Param] {
        let open = try expect(.lparen, "to start the parameter list")
        let savedSkip = openBracket(open)
        defer { closeBracket(savedSkip) }
        var params: [Param] = []
        while !check(.rparen) {
            let nameToken = peek()
            guard case .ident(let name) = nameToken.kind else {
                if case .keyword(let k) = nameToken.kind {
                    throw expected("a parameter name", hint: "'\(k.rawValue)' is a keyword and cannot name a parameter")
                }
                throw expected("a parameter name")
            }
            advance()
            var type: TypeName? = nil
            if accept(.colon) {
                let typeToken = peek()
                let all = TypeName.allCases.map(\.rawValue)
                let list = "the types are " + all.joined(separator: ", ")
                guard let typeName = typeToken.labelName else { throw expected("a type after ':'", hint: list) }
                advance()
                type = TypeName(rawValue: typeName)
                if type == nil {
                    let guess = closestName(to: typeName, in: all).map { "did you mean '\($0)'? " } ?? ""
                    record("unknown type '\(typeName)'", at: typeToken, hint: guess + list)
                }
            }
            var defaultValue: Expr? = nil
            if accept(.assign) { defaultValue = try parseExpr() }
            params.append(Param(name: name, loc: loc(nameToken), type: type, defaultValue: defaultValue))
            if accept(.comma) { continue }
            if !check(.rparen) { throw expected("')' to close the parameters started at \(position(open))") }
        }
        advance()
        return params
    }
}
