/// A function written in .plat, with the cells of the outer variables it captured.
public final class Closure {
    public let name: String
    init(name: String) {
        self.name = name
    }
}
