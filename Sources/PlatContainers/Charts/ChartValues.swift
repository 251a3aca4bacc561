import Foundation
import PlatLang

/// A chart's values as Helm merges them: the chart's `values.yaml`, then each `-f` file in order, then each
/// `--set`/`--set-string` in order, later ones winning.
///
/// - Maps merge key by key, recursively; any other value (a list, a scalar) replaces what was there whole,
///   so lists are never concatenated.
/// - A key set to null (`key: null` in a file, `--set key=null`) removes the key from the result.
/// - A map never merges into a scalar or back: the later value replaces the earlier one.
public enum ChartValues {
    /// `override` merged into `base` (neither is changed).
    public static func merge(_ base: Value, _ override: Value) -> Value {
        guard case .map(let b) = base, case .map(let o) = override else {
            return override
        }
        let out = MapStorage(copying: b)
        for (k, v) in o.pairs {
            if v.isNil {
                _ = out.remove(k)
            } else if let existing = out.get(k), case .map = existing, case .map = v {
                out.set(k, merge(existing, v))
            } else {
                out.set(k, dropNulls(v))
            }
        }
        return .map(out)
    }

    /// A value brought in whole: nulls inside its maps remove nothing and are dropped, as the merge would.
    private static func dropNulls(_ v: Value) -> Value {
        guard case .map(let m) = v else { return v }
        let out = MapStorage()
        for (k, x) in m.pairs where !x.isNil { out.set(k, dropNulls(x)) }
        return .map(out)
    }

    /// A values file: a YAML mapping (or an empty file). Errors name `FILE:LINE:COL`.
    public static func load(file path: String) throws -> Value {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ContainerInputError("cannot read values file '\(path)'",
                             hint: FileManager.default.fileExists(atPath: path) ? "check its permissions" : "no such file")
        }
        let text = String(decoding: data, as: UTF8.self)
        let value: Value
        do { value = try YAML.decode(text, file: path) } catch let e as YAMLError {
            throw ContainerInputError("\(e)")
        }
        switch value {
        case .null: return .map(MapStorage())
        case .map: return value
        default:
            throw ContainerInputError("\(path):1:1: values file holds a \(value.typeName), not a mapping",
                             hint: "write values as key: value lines, e.g. replicas: 2")
        }
    }

    /// The values a chart renders with: its defaults, the files in order, then the `--set` assignments in
    /// order (`SetAssignment`), each later one winning.
    public static func resolve(defaults: Value, files: [String], sets: [SetAssignment]) throws -> Value {
        var values = defaults
        for f in files { values = merge(values, try load(file: f)) }
        for s in sets { values = try s.apply(to: values) }
        return values
    }
}
