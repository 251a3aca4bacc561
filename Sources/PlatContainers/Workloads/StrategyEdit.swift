import PlatLang

/// `max_surge:` and `max_unavailable:` of `containers.upgrade`: the rolling limits of every Deployment,
/// over what the chart says.
enum StrategyEdit {
    static func apply(maxSurge: Value?, maxUnavailable: Value?, to manifests: [Value]) throws -> [Value] {
        let surge = maxSurge.flatMap { $0.isNil ? nil : $0 }, unavailable = maxUnavailable.flatMap { $0.isNil ? nil : $0 }
        if surge == nil && unavailable == nil { return manifests }
        return manifests.map { m in
            let kind = WorkloadReader.string(m, ["kind"]) ?? ""
            guard kind == "Deployment", case .map(let top) = m else { return m }
            let copy = MapStorage(copying: top)
            let spec = MapStorage(copying: { if case .map(let s)? = top.get(.string("spec")) { return s }; return MapStorage() }())
            let strategy = MapStorage(copying: { if case .map(let s)? = spec.get(.string("strategy")) { return s }; return MapStorage() }())
            let rolling = MapStorage(copying: { if case .map(let s)? = strategy.get(.string("rollingUpdate")) { return s }; return MapStorage() }())
            if let surge { rolling.set(.string("maxSurge"), surge) }
            if let unavailable { rolling.set(.string("maxUnavailable"), unavailable) }
            strategy.set(.string("type"), .string("RollingUpdate"))
            strategy.set(.string("rollingUpdate"), .map(rolling))
            spec.set(.string("strategy"), .map(strategy))
            copy.set(.string("spec"), .map(spec))
            return .map(copy)
        }
    }
}
