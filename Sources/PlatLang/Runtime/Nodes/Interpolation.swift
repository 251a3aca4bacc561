/// `"text \(expr) text"`: parts are constants or expressions, shown with their top-level printed form.
///
/// The text is built in one buffer on the stack: strings are copied in as bytes and ints written as digits
/// directly, so `"key\(i)"` makes no intermediate strings and, when short, no heap allocation at all (Swift keeps
/// strings up to 15 bytes inline). A result longer than the buffer carries on in an ordinary string.
final class InterpolationNode: ExprNode {
    let parts: [ExprNode]
    /// The parts as the loop reads them: constant text as its bytes (copied once, here, into memory this node
    /// owns), expressions as nodes called without reference counting (`parts` keeps them alive).
    private let pieces: UnsafeMutableBufferPointer<Piece>

    private struct Piece {
        /// Constant text, or nil for an expression.
        let text: UnsafeBufferPointer<UInt8>?
        let node: Unmanaged<ExprNode>
    }

    init(parts: [ExprNode], loc: SourceLoc) {
        self.parts = parts
        pieces = .allocate(capacity: parts.count)
        for (i, p) in parts.enumerated() {
            var text: UnsafeBufferPointer<UInt8>? = nil
            if case .string(let s)? = p.constantValue {
                let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: s.utf8.count)
                _ = bytes.initialize(from: s.utf8)
                text = UnsafeBufferPointer(bytes)
            }
            (pieces.baseAddress! + i).initialize(to: Piece(text: text, node: .passUnretained(p)))
        }
        super.init(loc: loc)
    }

    deinit {
        for piece in pieces { piece.text?.deallocate() }
        pieces.deinitialize()
        pieces.deallocate()
    }

    private static let bufferSize = 256

    override func eval(_ vm: VM) throws -> Value {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: InterpolationNode.bufferSize) { buffer in
            var text = TextBuilder(buffer: buffer)
            var secret: String? = nil
            var i = 0
            let n = pieces.count
            while i < n {
                let piece = pieces[i]
                i &+= 1
                if let bytes = piece.text {
                    text.append(bytes)
                    continue
                }
                let v = try piece.node._withUnsafeGuaranteedRef { try $0.eval(vm) }
                switch v {
                case .string(let s): text.append(s)
                case .int(let i): text.append(i)
                case .secret(let x):
                    // The text now holds a secret's mask: effects refuse it as command text (see SecretTexts).
                    secret = x.name
                    text.append(v.printed)
                default: text.append(v.printed)
                }
            }
            let result = text.finish()
            if let secret { vm.secretTexts.note(result, secret: secret) }
            return .string(result)
        }
    }
}

/// Bytes into a fixed buffer while they fit, then into a String.
struct TextBuilder {
    let buffer: UnsafeMutableBufferPointer<UInt8>
    var count = 0
    /// Set once the buffer overflowed: everything after goes here.
    var spill: String? = nil

    init(buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    /// Bytes known to be valid UTF-8 (constant text).
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard spill == nil, count &+ bytes.count <= buffer.count, let to = buffer.baseAddress else {
            spillOver(String(decoding: bytes, as: UTF8.self))
            return
        }
        if let from = bytes.baseAddress { (to + count).update(from: from, count: bytes.count) }
        count &+= bytes.count
    }

    mutating func append(_ s: String) {
        if spill != nil { spill! += s; return }
        let fitted = s.utf8.withContiguousStorageIfAvailable { src -> Bool in
            guard count + src.count <= buffer.count else { return false }
            if let from = src.baseAddress, let to = buffer.baseAddress {
                (to + count).update(from: from, count: src.count)
            }
            count += src.count
            return true
        } ?? false
        if !fitted { spillOver(s) }
    }

    mutating func append(_ i: Int) {
        let length = DecimalText.length(i)
        guard spill == nil, count + length <= buffer.count, let base = buffer.baseAddress else {
            spillOver(String(i))
            return
        }
        // Digits written backwards straight into place.
        _ = DecimalText.write(i, endingAt: base + count + length)
        count += length
    }

    private mutating func spillOver(_ s: String) {
        if spill == nil { spill = String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<count]), as: UTF8.self) }
        spill! += s
    }

    /// The text. Built in place in the new string (up to 15 ASCII bytes, Swift's inline form, skips the UTF-8
    /// validation that `String(decoding:)` makes; longer text is validated once, without another copy).
    func finish() -> String {
        if let spill { return spill }
        return TextBuilder.string(UnsafeBufferPointer(rebasing: buffer[0..<count]))
    }

    /// A string of these bytes, which are valid UTF-8 (they come from strings and digits).
    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard let from = bytes.baseAddress, bytes.count > 0 else { return "" }
        return String(unsafeUninitializedCapacity: bytes.count) { out in
            out.baseAddress!.update(from: from, count: bytes.count)
            return bytes.count
        }
    }
}
