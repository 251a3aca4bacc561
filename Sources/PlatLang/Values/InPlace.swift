/// Looking into a map or list where a `Value` lies (a variable's stack slot) without taking a reference to it.
///
/// Binding the payload (`case .map(let m) = slot.pointee`), and even a `switch` over `slot.pointee` that binds
/// nothing, copies the value: the map or the list's buffer is retained and released again, and each of those is
/// an atomic operation, about 7 ns on this machine, more than the rest of a short look-up (`m.get(k)` did four).
/// These read the case and the reference from the value's storage instead, for a use that ends before anything
/// can change or destroy the value at `p` (the callers run no user code in between).
///
/// They rely on how Swift lays out these types, which `InPlaceLayoutTests` pins:
/// - `Value`: the payload of every case starts at offset 0 and the case number is the byte after the largest
///   payload (16 bytes, a string's); the cases with a payload are numbered in the order they are declared;
/// - an array is one reference to its storage object, whose items start `arrayHeader` bytes in, after the
///   object header and the count.
enum InPlace {
    /// Where `Value` keeps its case number.
    static let tagOffset = 16
    /// The case numbers of `.list` and `.map` (the seventh and eighth cases with a payload).
    static let listTag: UInt8 = 6
    static let mapTag: UInt8 = 7
    /// Bytes before an array's first item in its storage object: the object header (16), then the count (8)
    /// and the capacity (8).
    static let arrayHeader = 32
    static let arrayCountOffset = 16

    @inline(__always)
    static func tag(at p: UnsafePointer<Value>) -> UInt8 {
        UnsafeRawPointer(p).load(fromByteOffset: tagOffset, as: UInt8.self)
    }

    /// The map the value at `p` holds, not retained; nil for anything else.
    @inline(__always)
    static func map(at p: UnsafePointer<Value>) -> Unmanaged<MapStorage>? {
        guard tag(at: p) == mapTag else { return nil }
        return UnsafeRawPointer(p).load(as: Unmanaged<MapStorage>.self)
    }

    /// The items of the list the value at `p` holds, read in place; nil for anything else.
    @inline(__always)
    static func list(at p: UnsafePointer<Value>) -> UnsafeBufferPointer<Value>? {
        guard tag(at: p) == listTag else { return nil }
        let storage = UnsafeRawPointer(p).load(as: UnsafeRawPointer.self)
        let count = storage.load(fromByteOffset: arrayCountOffset, as: Int.self)
        return UnsafeBufferPointer(start: (storage + arrayHeader).assumingMemoryBound(to: Value.self), count: count)
    }

    /// The map at `p` (which must hold one), first copied if another value shares it, so that changing it
    /// changes only this value (copy on write); not retained.
    @inline(__always)
    static func uniqueMap(at p: UnsafeMutablePointer<Value>) -> Unmanaged<MapStorage> {
        let reference = UnsafeMutableRawPointer(p).assumingMemoryBound(to: MapStorage.self)
        if !isKnownUniquelyReferenced(&reference.pointee) {
            let copy = MapStorage(copying: reference.pointee)
            p.pointee = .map(copy)
        }
        return UnsafeRawPointer(p).load(as: Unmanaged<MapStorage>.self)
    }

    /// Changes the list at `p` (which must hold one) where it lies: the array's own copy on write applies, and
    /// its buffer is not retained around the change.
    @inline(__always)
    static func modifyList<R>(at p: UnsafeMutablePointer<Value>, _ change: (inout [Value]) throws -> R) rethrows -> R {
        try change(&UnsafeMutableRawPointer(p).assumingMemoryBound(to: [Value].self).pointee)
    }
}

extension Value {
    /// The closure this value holds, not retained: valid while the value is (a caller's argument, say).
    @inline(__always)
    var unretainedClosure: Unmanaged<Closure>? {
        guard case .closure(let c) = self else { return nil }
        return Unmanaged.passUnretained(c)
    }
}
