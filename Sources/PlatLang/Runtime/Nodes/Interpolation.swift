/// `"text \(expr) text"`: parts are constants or expressions, shown with their top-level printed form.
///
/// The text is built in one buffer on the stack: strings are copied in as bytes and ints written as digits
/// directly, so `"key\(i)"` makes no intermediate strings and, when short, no heap allocation at all (Swift keeps
/// strings up to 15 bytes inline). A result longer than the buffer carries on in an ordinary string.
final class InterpolationNode: ExprNode {
    let parts: [ExprNode]
    init(parts: [ExprNode], loc: SourceLoc) {
        self.parts = parts
        super.init(loc: loc)
    }

    private static let bufferSize = 256

    override func eval(_ vm: VM) throws -> Value {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: InterpolationNode.bufferSize) { buffer in
            var text = TextBuilder(buffer: buffer)
            var secret: String? = nil
            for p in parts {
                let v = try p.eval(vm)
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
        var digits = 1
        var rest = i.magnitude
        while rest >= 10 { rest /= 10; digits &+= 1 }
        let length = digits + (i < 0 ? 1 : 0)
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

    func finish() -> String {
        if let spill { return spill }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<count]), as: UTF8.self)
    }
}
