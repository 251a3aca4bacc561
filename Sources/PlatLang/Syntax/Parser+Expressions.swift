/// Expressions: the precedence table, operators, postfix forms and primaries.
extension Parser {
    // MARK: - Operator table

    /// Binding power of every binary operator (higher binds tighter); this table alone decides precedence.
    /// Prefix `not` sits between `and` and the comparisons (`not a == b` is `not (a == b)`); prefix `-`
    /// binds tighter than every binary operator and looser than call, index and member.
    static let precedence: [BinaryOp: Int] = [
        .or: 1,
        .and: 2,
        .eq: 4, .ne: 4, .lt: 4, .le: 4, .gt: 4, .ge: 4, .inOp: 4, .notIn: 4,
        .add: 5, .sub: 5,
        .mul: 6, .div: 6, .floorDiv: 6, .mod: 6,
    ]
    static let notPrecedence = 3
    static let comparisonPrecedence = 4

    /// The binary operator starting at the current token and how many tokens it spans (`not in` takes two).
    mutating func binaryOperator() -> (op: BinaryOp, width: Int)? {
        switch peek().kind {
        case .punct(let p):
            switch p {
            case .plus: return (.add, 1)
            case .minus: return (.sub, 1)
            case .star: return (.mul, 1)
            case .slash: return (.div, 1)
            case .slashSlash: return (.floorDiv, 1)
            case .percent: return (.mod, 1)
            case .eq: return (.eq, 1)
            case .ne: return (.ne, 1)
            case .lt: return (.lt, 1)
            case .le: return (.le, 1)
            case .gt: return (.gt, 1)
            case .ge: return (.ge, 1)
            default: return nil
            }
        case .keyword(.kwAnd): return (.and, 1)
        case .keyword(.kwOr): return (.or, 1)
        case .keyword(.kwIn): return (.inOp, 1)
        case .keyword(.kwNot): return peek(ahead: 1).isKeyword(.kwIn) ? (.notIn, 2) : nil
        default: return nil
        }
    }

    // MARK: - Binary and unary operators

    /// expression = or_expr ;
    mutating func parseExpr() throws -> Expr {
        try enter()
        defer { depth -= 1 }
        return try parseBinary(1)
    }

    /// Precedence climbing over `precedence`; parses every level from `minPrecedence` up:
    /// or_expr    = and_expr { "or" and_expr } ;
    /// and_expr   = not_expr { "and" not_expr } ;
    /// not_expr   = "not" not_expr | comparison ;
    /// comparison = sum [ comp_op sum ] ;   comp_op = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in" ;
    /// sum        = term { ( "+" | "-" ) term } ;
    /// term       = unary { ( "*" | "/" | "//" | "%" ) unary } ;
    mutating func parseBinary(_ minPrecedence: Int) throws -> Expr {
        var left: Expr
        let first = peek()
        if minPrecedence <= Parser.notPrecedence && first.isKeyword(.kwNot) {
            advance()
            try enter()
            let operand = try parseBinary(Parser.notPrecedence)
            depth -= 1
            left = Expr(.unary(.not, operand), loc(first))
        } else {
            left = try parseUnary()
        }
        var lastComparison: BinaryOp? = nil
        // Each operator applied nests the tree one level deeper (`a + b + c` is `(a + b) + c`), and later
        // passes walk the tree recursively, so a long chain counts against the nesting limit too.
        var links = 0
        defer { depth -= links }
        while let (op, width) = binaryOperator(), let prec = Parser.precedence[op], prec >= minPrecedence {
            let opToken = peek()
            try enter()
            links += 1
            if prec == Parser.comparisonPrecedence, let prior = lastComparison {
                throw error("comparison operators cannot be chained", at: opToken,
                            hint: "write a \(prior.rawValue) b and b \(op.rawValue) c")
            }
            for _ in 0..<width { advance() }
            skipLineBreaks()
            let right = try parseBinary(prec + 1)
            left = Expr(.binary(op, left, right), loc(opToken))
            lastComparison = prec == Parser.comparisonPrecedence ? op : nil
        }
        return left
    }

    /// unary = "-" unary | postfix ;
    mutating func parseUnary() throws -> Expr {
        let minus = peek()
        guard minus.isPunct(.minus) else { return try parsePostfix(try parsePrimary()) }
        advance()
        // The magnitude 2^63 only fits once negated: `-9223372036854775808` is Int.min, not an overflow.
        if case .int(let magnitude) = peek().kind, magnitude == 1 << 63 {
            advance()
            return try parsePostfix(Expr(.intLit(Int.min), loc(minus)))
        }
        try enter()
        defer { depth -= 1 }
        let operand = try parseUnary()
        return Expr(.unary(.neg, operand), loc(minus))
    }

    // MARK: - Postfix: call, index, member

    /// postfix = primary { call_suffix | index_suffix | member_suffix } ;
    /// A line that starts with `.` continues the expression of the line before (method chains).
    mutating func parsePostfix(_ base: Expr) throws -> Expr {
        var e = base
        var links = 0  // as in parseBinary: a long chain nests the tree deeply
        defer { depth -= links }
        while true {
            let t = peek()
            if t.isNewline {
                guard peek(ahead: 1).isPunct(.dot) else { return e }
                advance()
                continue
            }
            guard case .punct(let p) = t.kind, p == .lparen || p == .lbracket || p == .dot else { return e }
            try enter()
            links += 1
            switch p {
            case .lparen: e = try parseCall(e)
            case .lbracket: e = try parseIndex(e)
            case .dot: e = try parseMember(e)
            default: return e
            }
        }
    }

    /// call_suffix = "(" [ argument { "," argument } [ "," ] ] ")" ;
    /// argument = [ LABEL ":" ] expression ;
    mutating func parseCall(_ callee: Expr) throws -> Expr {
        let open = advance()
        let savedSkip = openBracket(open)
        defer { closeBracket(savedSkip) }
        var args: [Argument] = []
        var sawNamed = false
        while !check(.rparen) {
            let start = peek()
            if let label = start.labelName, peek(ahead: 1).isPunct(.colon) {
                advance()
                advance()
                args.append(Argument(name: label, nameLoc: loc(start), value: try parseExpr()))
                sawNamed = true
            } else {
                let value = try parseExpr()
                if sawNamed {
                    record("a positional argument cannot follow a named argument", at: start,
                           hint: "put the positional arguments first")
                }
                args.append(Argument(name: nil, nameLoc: nil, value: value))
            }
            if accept(.comma) { continue }
            if !check(.rparen) {
                let t = peek()
                throw expected("')' to close the call started at \(position(open))",
                               hint: quoteInsideStringHint(before: t) ?? (t.isEOF || t.isNewline ? nil : "separate arguments with ','"))
            }
        }
        advance()
        return Expr(.call(callee: callee, args: args), loc(open))
    }

    /// index_suffix = "[" expression "]" | "[" [ expression ] ":" [ expression ] [ ":" [ expression ] ] "]" ;
    /// The second form is a slice: `xs[1:3]`, `xs[:-1]`, `s[2:]`, `xs[::2]`.
    mutating func parseIndex(_ base: Expr) throws -> Expr {
        let open = advance()
        let savedSkip = openBracket(open)
        defer { closeBracket(savedSkip) }
        let close = "to close the index started at \(position(open))"
        let start = check(.colon) ? nil : try parseExpr()
        guard let first = start, !check(.colon) else {
            return try parseSliceRest(base, start: start, open: open)
        }
        try expect(.rbracket, close, hint: "a slice is written xs[start:end] or xs[start:end:step]")
        return Expr(.index(base, first), loc(open))
    }

    /// The part of a slice after its start, from the first `:` to the `]`.
    private mutating func parseSliceRest(_ base: Expr, start: Expr?, open: Token) throws -> Expr {
        let close = "to close the slice started at \(position(open))"
        advance()  // the first ':'
        var end: Expr? = nil
        var step: Expr? = nil
        if !check(.colon) && !check(.rbracket) { end = try parseExpr() }
        if accept(.colon), !check(.rbracket) {
            step = try parseExpr()
        }
        if check(.colon) {
            throw expected("']' \(close)", hint: "a slice has at most three parts: xs[start:end:step]")
        }
        try expect(.rbracket, close)
        return Expr(.slice(base, start: start, end: end, step: step), loc(open))
    }

    /// member_suffix = "." LABEL ;
    mutating func parseMember(_ base: Expr) throws -> Expr {
        let dot = advance()
        let nameToken = peek()
        guard let name = nameToken.labelName else {
            throw expected("a name after '.'", hint: nameToken.isPunct(.dot) ? "there is no '..': a range of ints is range(start, stop)" : nil)
        }
        advance()
        return Expr(.member(base, name: name, nameLoc: loc(nameToken)), loc(dot))
    }

    // MARK: - Primaries

    /// primary = INT | FLOAT | DURATION | SIZE | string | "true" | "false" | "nil" | NAME
    ///         | "(" expression ")" | list | map | function_literal ;
    mutating func parsePrimary() throws -> Expr {
        let t = peek()
        let here = loc(t)
        switch t.kind {
        case .int(let magnitude):
            advance()
            guard magnitude <= UInt64(Int.max) else {
                record("integer literal is too large", at: t, hint: "integers are 64-bit: at most 9223372036854775807")
                return Expr(.intLit(0), here)
            }
            return Expr(.intLit(Int(magnitude)), here)
        case .float(let value):
            advance()
            return Expr(.floatLit(value), here)
        case .duration(let ms):
            advance()
            return Expr(.durationLit(ms), here)
        case .size(let bytes):
            advance()
            return Expr(.sizeLit(bytes), here)
        case .string(let parts):
            advance()
            return stringExpr(parts, at: t)
        case .ident(let name):
            advance()
            return Expr(.name(name), here)
        case .keyword(.kwTrue), .keyword(.kwFalse):
            advance()
            return Expr(.boolLit(t.isKeyword(.kwTrue)), here)
        case .keyword(.kwNil):
            advance()
            return Expr(.nilLit, here)
        case .keyword(.kwFn):
            return try parseFunctionLiteral()
        case .punct(.lparen):
            return try parseParenthesized()
        case .punct(.lbracket):
            return try parseList()
        case .punct(.lbrace):
            return try parseMap()
        case .keyword(.kwIf):
            return try parseConditional()
        case .keyword(let k) where Parser.startsStatement(t) || k == .kwElse || k == .kwCatch:
            throw expected("an expression", hint: "'\(k.rawValue)' starts a statement; it cannot be used as a value")
        case .punct(.plus):
            throw expected("an expression", hint: "there is no ++: write x += 1 as a statement of its own")
        case .punct(.dot):
            var hint: String? = nil
            if case .int = peek(ahead: 1).kind { hint = "a float has digits on both sides of its point: write 0.5, not .5" }
            throw expected("an expression", hint: hint)
        case .punct(.star):
            throw expected("an expression", hint: "there is no ** operator: multiply, e.g. x * x")
        default:
            throw expected("an expression")
        }
    }

    /// string = STRING | RAW_STRING ;   a literal with `\( )` parts becomes an interpolated expression.
    mutating func stringExpr(_ parts: [StringPart], at token: Token) -> Expr {
        var pieces: [InterpolationPart] = []
        var plain = ""
        var isPlain = true
        for part in parts {
            switch part {
            case .text(let text):
                plain += text
                pieces.append(.text(text))
            case .code(let tokens, let open, let close):
                isPlain = false
                let e = parseInterpolation(tokens: tokens, open: open, close: close)
                    ?? Expr(.stringLit(""), loc(open))
                pieces.append(.expr(e))
            }
        }
        return Expr(isPlain ? .stringLit(plain) : .interpolated(pieces), loc(token))
    }

    /// paren_expr = "(" expression ")" ;
    mutating func parseParenthesized() throws -> Expr {
        let open = advance()
        let savedSkip = openBracket(open)
        defer { closeBracket(savedSkip) }
        let e = try parseExpr()
        try expect(.rparen, "to close the '(' at \(position(open))")
        return e
    }

    /// list = "[" [ expression { "," expression } [ "," ] ] "]" ;
    mutating func parseList() throws -> Expr {
        let open = advance()
        let savedSkip = openBracket(open)
        defer { closeBracket(savedSkip) }
        var items: [Expr] = []
        while !check(.rbracket) {
            items.append(try parseExpr())
            if accept(.comma) { continue }
            if !check(.rbracket) { throw expected("']' to close the list started at \(position(open))") }
        }
        advance()
        return Expr(.list(items), loc(open))
    }

    /// map = "{" [ entry { "," entry } [ "," ] ] "}" ;
    /// entry = ( LABEL | plain_string | INT ) ":" expression ;   a LABEL key is the string of its name
    mutating func parseMap() throws -> Expr {
        let open = advance()
        let savedSkip = openBracket(open)
        defer { closeBracket(savedSkip) }
        var entries: [(key: Expr, value: Expr)] = []
        while !check(.rbrace) {
            let k = peek()
            let key: Expr
            if let label = k.labelName {
                key = Expr(.stringLit(label), loc(k))
            } else if case .string(let parts) = k.kind {
                key = stringExpr(parts, at: k)
                if case .interpolated = key.kind {
                    throw error("a map key must be a plain string, without interpolation", at: k,
                                hint: "build the map first, then set the key: m[\"\\(x)\"] = value")
                }
            } else if case .int(let magnitude) = k.kind, magnitude <= UInt64(Int.max) {
                key = Expr(.intLit(Int(magnitude)), loc(k))
            } else {
                throw expected("a map key (a name, a string or an integer)")
            }
            advance()
            try expect(.colon, "after the map key", hint: "map entries are written key: value")
            entries.append((key, try parseExpr()))
            if accept(.comma) { continue }
            if !check(.rbrace) { throw expected("'}' to close the map started at \(position(open))") }
        }
        advance()
        return Expr(.map(entries), loc(open))
    }

    /// function_literal = "fn" params ( "=>" expression | block ) ;
    mutating func parseFunctionLiteral() throws -> Expr {
        let fnToken = advance()
        if case .ident(let name) = peek().kind {
            throw expected("'(' after 'fn'", hint: "a function value has no name: write fn(...) => ..., "
                           + "or declare 'fn \(name)(...) { }' as a statement")
        }
        let params = try parseParams()
        let body: Block
        var isArrow = false
        if check(.arrow) {
            let arrow = advance()
            skipLineBreaks()
            let first = peek()
            let value = try parseExpr()
            body = Block(statements: [Stmt(.returnStmt(value), loc(first))], loc: loc(arrow), endLoc: loc(previous))
            isArrow = true
        } else if check(.lbrace) {
            body = try parseBlock(after: "the function's parameters")
        } else {
            throw expected("'=>' or '{' after the function's parameters")
        }
        let decl = FunctionDecl(name: nil, params: params, body: body, isArrow: isArrow, loc: loc(fnToken))
        return Expr(.function(decl), loc(fnToken))
    }

    /// conditional = "if" expression "then" expression "else" expression ;
    /// `then` is a name, not a reserved word: it has this meaning only here. The `else` branch reaches as far
    /// right as an expression can (`if c then 1 else 2 + 3` is `if c then 1 else (2 + 3)`); line breaks may follow
    /// `then` and `else` and come before `else`.
    mutating func parseConditional() throws -> Expr {
        let ifToken = advance()
        try enter()
        defer { depth -= 1 }
        let condition = try parseExpr()
        guard case .ident("then") = peek().kind else {
            if check(.lbrace) {
                throw expected("'then' after the condition of the conditional expression started at \(position(ifToken))",
                               hint: "an if with a block is a statement; as a value write: if cond then a else b")
            }
            throw expected("'then' after the condition of the conditional expression started at \(position(ifToken))",
                           hint: "a conditional expression is written: if cond then a else b")
        }
        advance()
        skipLineBreaks()
        let whenTrue = try parseExpr()
        if peek().isNewline && peek(ahead: 1).isKeyword(.kwElse) { advance() }
        guard check(.kwElse) else {
            throw expected("'else' in the conditional expression started at \(position(ifToken))",
                           hint: "a conditional expression always has both branches: if cond then a else b")
        }
        advance()
        skipLineBreaks()
        let whenFalse = try parseExpr()
        return Expr(.conditional(condition, then: whenTrue, else: whenFalse), loc(ifToken))
    }

    /// When `t` touches the string just before it (`"say "hi""`, `r"\(if c then "a" else "b")"`), the string
    /// most likely ended at a quote that was meant to be inside it: say how to write one.
    mutating func quoteInsideStringHint(before t: Token) -> String? {
        guard case .string = previous.kind, !t.isEOF, !t.isNewline, previous.offset + previous.length == t.offset
        else { return nil }
        if file.scalars[previous.offset] == "r" {
            return "a raw string ends at its first '\"': for text with quotes write r\"\"\" on its own line, the text, then \"\"\""
        }
        return "a string ends at the next '\"': write a quote inside it as \\\""
    }
}
