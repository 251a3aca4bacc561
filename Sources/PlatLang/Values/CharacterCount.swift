/// `len` of a string counts characters (grapheme clusters), which `String.count` finds by walking the
/// grapheme-breaking rules: hundreds of instructions even for a short key. In ASCII text every byte is one
/// character except `\r\n`, which is one; text that is ASCII without a carriage return is counted by its bytes.
func characterCount(_ s: String) -> Int {
    let bytes: Int? = s.utf8.withContiguousStorageIfAvailable { utf8 in
        // A byte with its high bit set, or a `\r`, sends the text to the general count.
        for b in utf8 where b >= 0x80 || b == 0x0D { return nil }
        return utf8.count
    } ?? nil
    return bytes ?? s.count
}
