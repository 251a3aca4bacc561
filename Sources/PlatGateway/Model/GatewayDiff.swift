/// What changed between two sets of resources: `+ name METHOD PATH`, `- name METHOD PATH`, `~ name: fields`,
/// resources by name, sorted. Pure.
public enum GatewayDiff {
    public static func lines(from old: [GatewayResource], to new: [GatewayResource]) -> [String] {
        let a = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        let b = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        var out: [String] = []
        for name in Set(a.keys).union(b.keys).sorted() {
            switch (a[name], b[name]) {
            case (nil, let r?): out.append("+ \(name) \(r.method) \(r.path)")
            case (let r?, nil): out.append("- \(name) \(r.method) \(r.path)")
            case (let x?, let y?) where x != y: out.append("~ \(name): " + changedFields(x, y).joined(separator: ", "))
            default: break
            }
        }
        return out
    }

    static func changedFields(_ x: GatewayResource, _ y: GatewayResource) -> [String] {
        var f: [String] = []
        if x.method != y.method { f.append("method \(x.method) → \(y.method)") }
        if x.path != y.path { f.append("path \(x.path) → \(y.path)") }
        if x.backendMethod != y.backendMethod { f.append("backend_method") }
        if x.backendPath != y.backendPath { f.append("backend_path \(x.backendPath ?? "-") → \(y.backendPath ?? "-")") }
        if x.backends != y.backends { f.append("backends") }
        if x.timeout != y.timeout { f.append("timeout \(x.timeout)s → \(y.timeout)s") }
        if x.setHeaders != y.setHeaders { f.append("set_headers") }
        if x.removeHeaders != y.removeHeaders { f.append("remove_headers") }
        if x.auth != y.auth { f.append("auth \(x.auth?.rawValue ?? "default") → \(y.auth?.rawValue ?? "default")") }
        if x.tags != y.tags { f.append("tags") }
        if x.doc != y.doc { f.append("doc") }
        if x.plugins != y.plugins { f.append("plugins") }
        return f
    }
}
