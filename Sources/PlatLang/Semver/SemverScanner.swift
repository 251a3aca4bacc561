/// Reads the pieces of SemVer's grammar (semver.org, "Backus–Naur Form Grammar for Valid SemVer Versions") from
/// UTF-8 bytes, for the version parser and the range parser alike. Every refusal says what was expected and
/// where, in characters from the start of the whole input.
struct SemverScanner {
    let bytes: [UInt8]
    let input: String
    let kind: String
    var i: Int

    init(_ input: String, kind: String) {
        self.input = input
        self.bytes = Array(input.utf8)
        self.kind = kind
        self.i = 0
    }

    var atEnd: Bool { i >= bytes.count }
    var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    func error(_ reason: String, at offset: Int, hint: String? = nil) -> SemverError {
        let prefix = String(decoding: bytes[0..<min(offset, bytes.count)], as: UTF8.self)
        return SemverError(reason, input: input, column: prefix.count + 1, hint: hint, kind: kind)
    }

    /// The character at a byte offset, for messages ("'_'", "'é'").
    func character(at offset: Int) -> String {
        let rest = String(decoding: bytes[offset...], as: UTF8.self)
        return rest.first.map { String($0) } ?? ""
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    static func isIdentifierByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45
    }

    /// A MAJOR, MINOR or PATCH number: digits, no leading zero. `what` is "major version" and so on.
    mutating func number(_ what: String) throws -> VersionNumber {
        let start = i
        while i < bytes.count, SemverScanner.isDigit(bytes[i]) { i += 1 }
        guard i > start else {
            if atEnd { throw error("missing \(what): expected digits", at: i) }
            throw error("expected the \(what) (digits), found '\(character(at: i))'", at: i)
        }
        let digits = String(decoding: bytes[start..<i], as: UTF8.self)
        if bytes[start] == 48 && i - start > 1 {
            let trimmed = digits.drop { $0 == "0" }
            throw error("leading zero in \(what) '\(digits)'", at: start,
                        hint: "SemVer numbers have no leading zeros: \(trimmed.isEmpty ? "0" : String(trimmed)), not \(digits)")
        }
        return VersionNumber(trustedDigits: digits)
    }

    /// Dot-separated identifiers after `-` (pre-release) or `+` (build), up to a byte in `stops` or the end.
    /// Pre-release numeric identifiers may not have leading zeros; build identifiers may.
    mutating func identifiers(prerelease: Bool, stops: (UInt8) -> Bool) throws -> [String] {
        let what = prerelease ? "pre-release" : "build"
        var out: [String] = []
        while true {
            let start = i
            var allDigits = true
            while i < bytes.count, !stops(bytes[i]), bytes[i] != 46 /* . */ {
                let b = bytes[i]
                guard SemverScanner.isIdentifierByte(b) else {
                    throw error("invalid character '\(character(at: i))' in \(what) identifier", at: i,
                                hint: "identifiers use only ASCII letters, digits and '-'")
                }
                if !SemverScanner.isDigit(b) { allDigits = false }
                i += 1
            }
            guard i > start else {
                throw error("empty \(what) identifier", at: i,
                            hint: "identifiers between dots must not be empty (e.g. \(prerelease ? "1.0.0-alpha.1" : "1.0.0+build.5"))")
            }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            if prerelease && allDigits && bytes[start] == 48 && i - start > 1 {
                throw error("leading zero in numeric pre-release identifier '\(text)'", at: start,
                            hint: "write \(String(text.drop { $0 == "0" }).isEmpty ? "0" : String(text.drop { $0 == "0" })), or make it text with a letter (e.g. x\(text))")
            }
            out.append(text)
            guard i < bytes.count, bytes[i] == 46 else { return out }
            i += 1
        }
    }

    static func prereleaseIdentifiers(_ texts: [String]) -> [PrereleaseIdentifier] {
        texts.map { t in
            t.utf8.allSatisfy(isDigit) ? .numeric(VersionNumber(trustedDigits: t)) : .alphanumeric(t)
        }
    }
}
