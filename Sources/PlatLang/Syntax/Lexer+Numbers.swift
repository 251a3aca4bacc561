/// Number literals: integers in four bases, floats, and the durations and sizes built on integers.
extension Lexer {
    // MARK: - Numbers, durations, sizes

    private static let durationUnits: [(name: String, ms: Int64)] =
        [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)]
    private static let sizeUnits: [String: Int64] = [
        "B": 1, "KB": 1_000, "MB": 1_000_000, "GB": 1_000_000_000, "TB": 1_000_000_000_000,
        "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
    ]
    static let unitHint = "units are d h m s ms (durations, combinable as in 1h30m) and B KB MB GB TB KiB MiB GiB TiB (sizes)"

    /// INT | FLOAT | DURATION | SIZE: reads a number and any unit glued to it.
    func lexNumber() -> Token {
        let (l, c, start) = (line, col, pos)
        let startLoc = here
        if s[pos] == "0", peek(1) == "x" || peek(1) == "o" || peek(1) == "b" {
            return lexRadixNumber(start: start, line: l, col: c)
        }
        var text = scanDigits()
        var isFloat = false
        if peek() == ".", ScalarClass.isDigit(peek(1)) {
            pos += 1
            text += "." + scanDigits()
            isFloat = true
        }
        if peek() == "e" || peek() == "E" {
            let sign = peek(1) == "+" || peek(1) == "-"
            if ScalarClass.isDigit(peek(sign ? 2 : 1)) {
                text += "e"
                if sign { text.unicodeScalars.append(peek(1)) }
                pos += sign ? 2 : 1
                text += scanDigits()
                isFloat = true
            }
        }
        var suffix = ""
        let suffixLoc = here
        if !atEnd && ScalarClass.isIdentStart(s[pos]) {
            let from = pos
            while !atEnd && ScalarClass.isIdentContinue(s[pos]) { pos += 1 }
            suffix = String(String.UnicodeScalarView(s[from..<pos]))
        }
        if isFloat {
            let value = Double(text) ?? 0
            if !value.isFinite { report("float literal is too large", at: startLoc) }
            if suffix.isEmpty { return make(.float(value.isFinite ? value : 0), from: start, line: l, col: c) }
            return fractionalUnit(value, suffix: suffix, at: startLoc, from: start, line: l, col: c)
        }
        guard let magnitude = UInt64(text), magnitude <= 1 << 63 else {
            report("integer literal is too large", at: startLoc, hint: "integers are 64-bit: at most 9223372036854775807")
            return make(suffix.isEmpty ? .int(0) : .duration(0), from: start, line: l, col: c)
        }
        if suffix.isEmpty { return make(.int(magnitude), from: start, line: l, col: c) }
        let kind = unitLiteral(first: magnitude, suffix: suffix, literalLoc: startLoc, suffixLoc: suffixLoc)
        return make(kind, from: start, line: l, col: c)
    }

    /// digits = digit { { "_" } digit } ;   returns the digits without the separators.
    private func scanDigits() -> String {
        var out = ""
        var lastUnderscore = false
        while !atEnd {
            let ch = s[pos]
            if ScalarClass.isDigit(ch) {
                out.unicodeScalars.append(ch)
                lastUnderscore = false
            } else if ch == "_" && !out.isEmpty {
                lastUnderscore = true
            } else {
                break
            }
            pos += 1
        }
        if lastUnderscore { report("'_' in a number must be between digits", at: loc(line: line, col: col - 1)) }
        return out
    }

    /// INT = "0x" hex_digits | "0o" oct_digits | "0b" bin_digits ;
    private func lexRadixNumber(start: Int, line l: Int, col c: Int) -> Token {
        let startLoc = here
        let letter = s[pos + 1]
        let (radix, name): (UInt64, String) = letter == "x" ? (16, "hexadecimal") : letter == "o" ? (8, "octal") : (2, "binary")
        pos += 2
        var value: UInt64 = 0
        var digits = 0
        var bad: Unicode.Scalar? = nil
        var overflow = false
        var misplacedUnderscore = false
        var lastUnderscore = false
        while !atEnd && ScalarClass.isIdentContinue(s[pos]) {
            let ch = s[pos]
            pos += 1
            lastUnderscore = ch == "_"
            if ch == "_" {
                if digits == 0 { misplacedUnderscore = true }
                continue
            }
            guard let d = ScalarClass.hexValue(ch), d < radix else {
                if bad == nil { bad = ch }
                continue
            }
            digits += 1
            let (m, o1) = value.multipliedReportingOverflow(by: radix)
            let (a, o2) = m.addingReportingOverflow(d)
            overflow = overflow || o1 || o2
            value = a
        }
        if misplacedUnderscore || lastUnderscore { report("'_' in a number must be between digits", at: startLoc) }
        if let bad {
            report("invalid digit '\(bad)' in \(name == "octal" ? "an" : "a") \(name) literal", at: startLoc)
            value = 0
        } else if digits == 0 {
            report("expected \(name) digits after '0\(letter)'", at: startLoc)
        } else if overflow || value > 1 << 63 {
            report("integer literal is too large", at: startLoc, hint: "integers are 64-bit: at most 9223372036854775807")
            value = 0
        }
        return make(.int(value), from: start, line: l, col: c)
    }

    /// DURATION = digits duration_unit { digits duration_unit } ;   (units decreasing, each once)
    /// SIZE     = digits size_unit ;
    private func unitLiteral(first: UInt64, suffix: String, literalLoc: SourceLoc, suffixLoc: SourceLoc) -> TokenKind {
        // Split "h30m" into units and the numbers between them.
        var components: [(value: UInt64, unit: String)] = []
        var value = first
        let chars = Array(suffix.unicodeScalars)
        var i = 0
        while i < chars.count {
            var unit = ""
            while i < chars.count && ScalarClass.isLetter(chars[i]) { unit.unicodeScalars.append(chars[i]); i += 1 }
            if unit.isEmpty {
                report("unknown unit '\(suffix)'", at: suffixLoc, hint: Lexer.unitHint)
                return .int(first)
            }
            components.append((value, unit))
            if i == chars.count { break }
            var digits = ""
            while i < chars.count && (ScalarClass.isDigit(chars[i]) || chars[i] == "_") {
                if chars[i] != "_" { digits.unicodeScalars.append(chars[i]) }
                i += 1
            }
            guard let v = UInt64(digits) else {
                report("unknown unit '\(suffix)'", at: suffixLoc, hint: Lexer.unitHint)
                return .int(first)
            }
            if i == chars.count {
                report("missing unit after '\(digits)' in a duration", at: suffixLoc,
                       hint: "write every part with its unit, as in 1h30m")
                return .duration(0)
            }
            value = v
        }
        if let factor = Lexer.sizeUnits[components[0].unit] {
            if components.count > 1 {
                report("a size literal has a single unit", at: suffixLoc, hint: "write it in the smaller unit, as in 1500MB")
                return .size(0)
            }
            let (bytes, o) = Int64(clamping: first).multipliedReportingOverflow(by: factor)
            if o || first > UInt64(Int64.max) {
                report("size literal is too large", at: literalLoc)
                return .size(0)
            }
            return .size(bytes)
        }
        var total: Int64 = 0
        var lastRank = -1
        for comp in components {
            guard let rank = Lexer.durationUnits.firstIndex(where: { $0.name == comp.unit }) else {
                let isSize = Lexer.sizeUnits[comp.unit] != nil
                report(isSize ? "a duration cannot contain the size unit '\(comp.unit)'" : "unknown unit '\(comp.unit)'",
                       at: suffixLoc, hint: isSize ? nil : unitHintWithGuess(comp.unit))
                return .duration(0)
            }
            if rank <= lastRank {
                report("duration units must go from largest to smallest, each at most once",
                       at: suffixLoc, hint: "units in order: d h m s ms, as in 1h30m or 1m30s500ms")
                return .duration(0)
            }
            lastRank = rank
            let (part, o1) = Int64(clamping: comp.value).multipliedReportingOverflow(by: Lexer.durationUnits[rank].ms)
            let (sum, o2) = total.addingReportingOverflow(part)
            if o1 || o2 || comp.value > UInt64(Int64.max) {
                report("duration literal is too large", at: literalLoc)
                return .duration(0)
            }
            total = sum
        }
        return .duration(total)
    }

    /// The unit list, led by a guess when one is likely (a case slip like `1H`, or a longer misspelling).
    private func unitHintWithGuess(_ unit: String) -> String {
        let all = Lexer.durationUnits.map(\.name) + Lexer.sizeUnits.keys.sorted()
        let guess = all.first { $0.lowercased() == unit.lowercased() }
            ?? (unit.count >= 3 ? closestName(to: unit, in: all) : nil)
        if let guess { return "did you mean '\(guess)'? " + Lexer.unitHint }
        return Lexer.unitHint
    }

    /// `1.5h` and `1.5GB` are errors; the hint spells the same amount in whole units.
    private func fractionalUnit(_ value: Double, suffix: String, at startLoc: SourceLoc,
                                         from start: Int, line l: Int, col c: Int) -> Token {
        if let unit = Lexer.durationUnits.first(where: { $0.name == suffix }) {
            let ms = value * Double(unit.ms)
            let exact = ms.rounded() == ms && abs(ms) < 9e18
            let hint = exact ? "write \(Lexer.durationText(Int64(ms)))"
                : "write it with whole numbers of smaller units, as in 1h30m"
            report("a duration is written with whole numbers", at: startLoc, hint: hint)
            return make(.duration(exact ? Int64(ms) : 0), from: start, line: l, col: c)
        }
        if let factor = Lexer.sizeUnits[suffix] {
            let bytes = value * Double(factor)
            let exact = bytes.rounded() == bytes && abs(bytes) < 9e18
            let hint = exact ? "write \(Lexer.sizeText(Int64(bytes), binary: suffix.contains("i")))"
                : "write it as a whole number of a smaller unit"
            report("a size is written with whole numbers", at: startLoc, hint: hint)
            return make(.size(exact ? Int64(bytes) : 0), from: start, line: l, col: c)
        }
        report("unknown unit '\(suffix)'", at: startLoc, hint: unitHintWithGuess(suffix))
        return make(.float(value.isFinite ? value : 0), from: start, line: l, col: c)
    }

    /// Canonical duration text for hints: `1h30m`.
    static func durationText(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        var rest = ms, out = ""
        for unit in durationUnits where rest >= unit.ms {
            out += "\(rest / unit.ms)\(unit.name)"
            rest %= unit.ms
        }
        return out
    }

    /// A size in its largest exact unit of the same family (decimal or binary), for hints.
    static func sizeText(_ bytes: Int64, binary: Bool) -> String {
        let family = binary ? ["TiB", "GiB", "MiB", "KiB"] : ["TB", "GB", "MB", "KB"]
        for name in family {
            if let f = sizeUnits[name], bytes % f == 0, bytes != 0 { return "\(bytes / f)\(name)" }
        }
        return "\(bytes)B"
    }
}
