import PlatEngine

enum CMDBEffects {
    static func all() -> [DurableEffect] { [] }
}
