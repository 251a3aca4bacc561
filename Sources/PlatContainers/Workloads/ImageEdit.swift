import PlatLang

/// `app upgrade --image`: the same manifests with a new image in every container of every Deployment (or in
/// the containers named `container`).
public enum ImageEdit {
    public static func apply(image: String, container: String?, to manifests: [Value]) throws -> [Value] {
        var changed = 0
        let out = manifests.map { m -> Value in
            let kind = WorkloadReader.string(m, ["kind"]) ?? ""
            guard kind == "Deployment" || kind == "StatefulSet" else { return m }
            return edit(m, path: ["spec", "template", "spec", "containers"]) { list in
                guard case .list(let cs) = list else { return list }
                return .list(cs.map { c in
                    guard container == nil || WorkloadReader.string(c, ["name"]) == container, case .map(let storage) = c else { return c }
                    let copy = MapStorage(copying: storage)
                    copy.set(.string("image"), .string(image))
                    changed += 1
                    return .map(copy)
                })
            }
        }
        if changed == 0 {
            throw ContainersError(container.map { "no container is named '\($0)'" } ?? "the install has no Deployment to change the image of")
        }
        return out
    }

    /// `v` with the value at `path` replaced by `change(value)` (maps copied on the way, never shared).
    static func edit(_ v: Value, path: [String], _ change: (Value) -> Value) -> Value {
        guard let key = path.first else { return change(v) }
        guard case .map(let storage) = v, let inner = storage.get(.string(key)) else { return v }
        let copy = MapStorage(copying: storage)
        copy.set(.string(key), edit(inner, path: Array(path.dropFirst()), change))
        return .map(copy)
    }
}

/// A line diff (longest common subsequence) in unified style without hunks: ` ` same, `-` removed, `+` added,
/// with unchanged runs longer than six lines folded to their first and last three lines.
public enum LineDiff {
    public static func unified(_ a: [String], _ b: [String], fromName: String, toName: String) -> [String] {
        if a == b { return [] }
        let n = a.count, m = b.count
        var lcs = Array(repeating: Array(repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var lines: [String] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n && j < m && a[i] == b[j] {
                lines.append("  " + a[i]); i += 1; j += 1
            } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
                lines.append("- " + a[i]); i += 1
            } else {
                lines.append("+ " + b[j]); j += 1
            }
        }
        var folded: [String] = ["--- \(fromName)", "+++ \(toName)"]
        var run: [String] = []
        func flush() {
            if run.count > 6 {
                folded += run.prefix(3) + ["  ... (\(run.count - 6) unchanged lines)"] + run.suffix(3)
            } else {
                folded += run
            }
            run = []
        }
        for l in lines {
            if l.hasPrefix("  ") { run.append(l) } else { flush(); folded.append(l) }
        }
        flush()
        return folded
    }
}
