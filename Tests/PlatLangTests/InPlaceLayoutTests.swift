import Testing
@testable import PlatLang

/// `InPlace` reads a map or a list out of a `Value`'s storage; these pin every layout fact it relies on, so a
/// new case in `Value` or a change in the compiler's layout fails here rather than misreading memory.
@Suite struct InPlaceLayoutTests {
    static let m: MapStorage = {
        let m = MapStorage()
        m.set(.string("k"), .int(1))
        return m
    }()

    /// One value of every case, with the ones `InPlace` reads and their neighbours.
    static let everyCase: [Value] = [
        .null, .bool(true), .bool(false), .int(7), .int(-1), .float(2.5), .string("short"),
        .string("a string longer than fifteen bytes"), .duration(1000), .size(1 << 20), .list([]),
        .list([.int(7), .string("x"), .null]), .map(m), .map(MapStorage()),
        .builtin(BuiltinFunction("f") { _, _ in .null }),
        .module(ModuleObject(name: "mod", members: [:])), .secret(SecretValue(name: "s", text: "t")),
    ]

    @Test func theCaseNumberIsTheByteAfterTheLargestPayload() {
        #expect(MemoryLayout<Value>.size == InPlace.tagOffset + 1)
        #expect(MemoryLayout<String>.size == InPlace.tagOffset)
    }

    @Test func mapsAndListsAreFoundAndNothingElseIs() {
        var values = InPlaceLayoutTests.everyCase
        values.withUnsafeBufferPointer { b in
            for (i, v) in b.enumerated() {
                let p = b.baseAddress! + i
                switch v {
                case .map(let m):
                    #expect(InPlace.map(at: p)?.takeUnretainedValue() === m, "\(v)")
                    #expect(InPlace.list(at: p) == nil)
                case .list(let xs):
                    #expect(InPlace.list(at: p).map(Array.init) == xs, "\(v)")
                    #expect(InPlace.list(at: p)?.count == xs.count)
                    #expect(InPlace.map(at: p) == nil)
                default:
                    #expect(InPlace.map(at: p) == nil, "\(v)")
                    #expect(InPlace.list(at: p) == nil, "\(v)")
                }
            }
        }
        values.removeAll()
        #expect(InPlaceLayoutTests.m.get(.string("k")) == .int(1))
    }

    @Test func aListIsReadWhereItsItemsAre() {
        // A list grown by appends (capacity beyond its count) and one sliced from another.
        var grown: [Value] = []
        for i in 0..<100 { grown.append(.int(i)) }
        let sliced = Array(grown[10..<20])
        var values: [Value] = [.list(grown), .list(sliced)]
        values.withUnsafeBufferPointer { b in
            grown.withUnsafeBufferPointer { g in
                #expect(InPlace.list(at: b.baseAddress!)?.baseAddress == g.baseAddress)
            }
            #expect(InPlace.list(at: b.baseAddress!)?.count == 100)
            #expect(InPlace.list(at: b.baseAddress! + 1).map(Array.init) == sliced)
        }
        values.removeAll()
    }
}
