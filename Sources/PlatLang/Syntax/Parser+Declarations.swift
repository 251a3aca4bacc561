/// Declarations: the forms the loader's `DeclarationSpec`s add to the language (`schedule`, `scheme`, `on`...).
/// Their keywords are names, not reserved words: a keyword opens a declaration only when the token after it
/// fits the spec's syntax, so `let schedule = 1` and `print(on)` keep working.
extension Parser {
    /// Whether the current token (a declared keyword) starts a declaration rather than an expression:
    /// a string must follow a block declaration's keyword, a name an event subscription's.
    mutating func opensDeclaration(_ spec: DeclarationSpec) -> Bool {
        switch (spec.syntax, peek(ahead: 1).kind) {
        case (.block, .string), (.eventSubscription, .ident): return true
        default: return false
        }
    }

    /// declaration = block_decl | subscription ;
    mutating func parseDeclaration(_ spec: DeclarationSpec) throws -> Stmt {
        switch spec.syntax {
        case .block: return try parseBlockDeclaration(spec)
        case .eventSubscription: return try parseSubscription(spec)
        }
    }

    /// block_decl = BLOCK_KEYWORD plain_string [ "for" NAME ] map ;
    mutating func parseBlockDeclaration(_ spec: DeclarationSpec) throws -> Stmt {
        let keyword = spec.keyword
        let kindToken = advance()
        let labelToken = peek()
        guard let label = plainString(labelToken) else {
            throw error("a \(keyword) name must be a plain string, without interpolation", at: labelToken)
        }
        advance()
        var target: String? = nil
        if peek().isKeyword(.kwFor) {
            advance()
            guard case .ident(let name) = peek().kind else { throw expected("a plan name after 'for'") }
            advance()
            target = name
        }
        guard check(.lbrace) else {
            throw expected("'{' to start the \(keyword) \"\(label)\"", hint: "write \(keyword) \"\(label)\" { key: value, ... }")
        }
        let body = try parseMap()
        return Stmt(.declaration(kind: spec.kind, label: label, labelLoc: loc(labelToken), target: target, body: body),
                    loc(kindToken))
    }

    /// subscription = EVENT_KEYWORD NAME { "." NAME } [ "where" plain_string ] "run" call ;
    /// (`where` and `run` are names, not keywords.) It becomes a declaration like any other, labelled with the
    /// event, whose body is the map `{event: EVENT, where: FILTER, run: PLAN(args)}`.
    mutating func parseSubscription(_ spec: DeclarationSpec) throws -> Stmt {
        let keyword = spec.keyword
        let onToken = advance()
        let nameToken = peek()
        var event = ""
        while true {
            guard case .ident(let part) = peek().kind else {
                throw expected("an event name after '\(keyword)', such as cmdb.host.changed")
            }
            advance()
            event += event.isEmpty ? part : "." + part
            if !accept(.dot) { break }
        }
        var entries: [(key: Expr, value: Expr)] = [(Expr(.stringLit("event"), loc(nameToken)), Expr(.stringLit(event), loc(nameToken)))]
        if case .ident("where") = peek().kind {
            let w = advance()
            guard plainString(peek()) != nil else {
                throw expected("the filter as a string after 'where'", hint: "\(keyword) \(event) where 'module == \"web\"' run deploy()")
            }
            let f = advance()
            entries.append((Expr(.stringLit("where"), loc(w)), Expr(.stringLit(plainString(f) ?? ""), loc(f))))
        }
        guard case .ident("run") = peek().kind else {
            throw expected("'run PLAN(args)' after the event", hint: "\(keyword) \(event) run sync_dns(zone: \"prod\")")
        }
        let runToken = advance()
        let call = try parseExpr()
        entries.append((Expr(.stringLit("run"), loc(runToken)), call))
        return Stmt(.declaration(kind: spec.kind, label: event, labelLoc: loc(nameToken), target: nil,
                                 body: Expr(.map(entries), loc(onToken))), loc(onToken))
    }
}
