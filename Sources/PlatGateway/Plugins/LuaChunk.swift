import Foundation
import PlatLang

/// A Lua block a plugin gives for one of nginx's Lua phases (`lua("header_filter", "ngx.header['X-A'] = '1'")`),
/// run by Debian's libnginx-mod-http-lua.
///
/// How it is written so nothing in the code can change the nginx configuration around it: the code never
/// appears in the configuration as text. `init_by_lua_block` holds every chunk base64-encoded (only
/// `[A-Za-z0-9+/=]`), compiles each with `loadstring` under a name saying which plugin, phase and resource it
/// is, and keeps the functions in `package.loaded["platflow.gateway"]`; a location's `*_by_lua_block` only
/// calls them by key (names of `[A-Za-z0-9_:]`). Compiling happens when nginx loads the configuration, so
/// `nginx -t` refuses a chunk with a syntax error, naming it, and the previous release keeps serving.
public struct LuaChunk: Sendable, Hashable {
    /// nginx's Lua phases a plugin may give code for, in the order nginx runs them.
    public static let phases = ["rewrite", "access", "header_filter", "body_filter", "log"]
    static let maxBytes = 65_536

    public let plugin: String
    public let phase: String
    public let code: String

    /// The chunk in `v` when it is a `lua(PHASE, CODE)` value, nil when it is something else.
    static func from(_ v: Value, plugin: String) throws -> LuaChunk? {
        guard case .map(let m) = v, let phaseValue = m.get(.string("lua")) else { return nil }
        let hint = "lua(PHASE, CODE) with PHASE one of " + phases.joined(separator: ", ")
        guard case .string(let phase) = phaseValue, phases.contains(phase) else {
            throw GatewayError.invalidInput("plugin \(plugin): lua() names the phase \(phaseValue.printed)", hint: hint)
        }
        guard case .string(let code)? = m.get(.string("code")) else {
            throw GatewayError.invalidInput("plugin \(plugin): lua(\"\(phase)\", ...) needs the code as text", hint: hint)
        }
        guard code.utf8.count <= maxBytes, !code.utf8.contains(0) else {
            throw GatewayError.invalidInput("plugin \(plugin): its \(phase) Lua block is over \(maxBytes) bytes or holds NUL", hint: nil)
        }
        return LuaChunk(plugin: plugin, phase: phase, code: code)
    }

    /// The module nginx needs for Lua blocks, and the one it needs first (the Nginx Development Kit).
    public static let moduleFiles = ["ndk_http_module.so", "ngx_http_lua_module.so"]
    /// The Debian package that installs them.
    public static let package = "libnginx-mod-http-lua"
}

extension NginxRenderer {
    /// The Lua chunks' table key: `ZONE:PHASE:N`.
    static func luaKey(zone: String, phase: String, index: Int) -> String { "\(zone):\(phase):\(index)" }

    /// The http-level block compiling every chunk of every resource (empty when there is none).
    static func renderLuaInit(_ plugins: [String: PluginLines]) -> String {
        var entries: [String] = []
        for zone in plugins.keys.sorted() {
            for phase in LuaChunk.phases {
                for (i, c) in (plugins[zone]!.lua[phase] ?? []).enumerated() {
                    let key = luaKey(zone: zone, phase: phase, index: i)
                    entries.append("        {\"\(key)\", \"=plugin \(c.plugin) \(phase) \(zone)\", \"\(Data(c.code.utf8).base64EncodedString())\"},")
                }
            }
        }
        guard !entries.isEmpty else { return "" }
        return """
            # Lua blocks of plugins, base64-encoded, compiled when nginx loads this file (a syntax error fails nginx -t).
            init_by_lua_block {
                local compiled = {}
                for _, c in ipairs({
            \(entries.joined(separator: "\n"))
                }) do
                    compiled[c[1]] = assert(loadstring(ngx.decode_base64(c[3]), c[2]))
                end
                package.loaded["platflow.gateway"] = compiled
                if os.getenv("\(luaCheckVariable)") then os.exit(0) end
            }

            """
    }

    /// `nginx -t` does not run Lua, so a configuration with Lua blocks is checked again by starting nginx with
    /// this variable set (and passed through with `env`): its init block compiles every chunk, then exits 0
    /// before anything listens; a chunk that does not compile makes nginx exit non-zero, naming it. A serving
    /// nginx never sees the variable (nginx drops the environment unless `env` names it).
    public static let luaCheckVariable = "PLATFLOW_LUA_CHECK"

    /// A resource location's `*_by_lua_block`s: each calls its chunks in plugin order.
    static func renderLuaCalls(_ lines: PluginLines, zone: String) -> String {
        var out = ""
        for phase in LuaChunk.phases {
            guard let chunks = lines.lua[phase], !chunks.isEmpty else { continue }
            let calls = chunks.indices.map { "p[\"\(luaKey(zone: zone, phase: phase, index: $0))\"]()" }.joined(separator: " ")
            out += "        \(phase)_by_lua_block { local p = package.loaded[\"platflow.gateway\"] \(calls) }\n"
        }
        return out
    }

    /// Does a rendered configuration use Lua blocks (and so need the Lua module loaded)?
    public static func usesLua(_ rendered: String) -> Bool { rendered.contains("_by_lua_block {") }
}
