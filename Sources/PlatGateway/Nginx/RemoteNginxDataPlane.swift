import Foundation
import PlatEngine
import PlatJobs
import PlatLang

/// A stock nginx on an SSH host, under a prefix of its own there (`StageNginx`), applied through the job
/// platform: the files are copied with its file distribution (`FileDistributor`, written beside their target,
/// checked by SHA-256, renamed), and one bash script run by its SSH transport does on the host what
/// `NginxDataPlane` does here: `nginx -t` on the candidate (and the Lua check when it has Lua blocks), the swap,
/// a reload (or a start when no nginx runs for the prefix), waiting for the old workers to exit, and the probes,
/// which connect to 127.0.0.1 on the host. A refused candidate changes nothing; a failure after the swap puts
/// the previous files back and reloads them. The script gets every value as an argument, never in its text.
///
/// ```
/// PREFIX/incoming/     the candidate while it is checked: gateway.conf, nginx.conf, nginx.test.conf, nginx.luacheck.conf
/// PREFIX/gateway.conf  PREFIX/nginx.conf  PREFIX/*.previous.conf  PREFIX/logs/  PREFIX/tmp/  PREFIX/nginx.pid
/// ```
public final class RemoteNginxDataPlane {
    public let settings: StageNginx
    /// Seconds to wait for the old workers to exit, and again for each probe.
    public let waitSeconds: Int

    public init(_ settings: StageNginx, waitSeconds: Int = 10) {
        self.settings = settings
        self.waitSeconds = waitSeconds
    }

    var host: PlatJobs.Host { settings.sshHost }
    var modules: String { settings.modules ?? NginxDataPlane.debianModules }

    /// Copies `rendered` and its main files to the host, then tests, swaps, reloads and probes there.
    public func apply(rendered: String, probes: [NginxDataPlane.Probe]) throws {
        let lua = NginxRenderer.usesLua(rendered)
        let p = settings.prefix
        let files = [
            "gateway.conf": rendered,
            "nginx.conf": NginxDataPlane.mainConfig(prefix: p, listen: settings.listen, including: "gateway.conf", modules: lua ? modules : nil),
            "nginx.test.conf": NginxDataPlane.mainConfig(prefix: p, listen: settings.listen, including: "incoming/gateway.conf", modules: lua ? modules : nil),
            "nginx.luacheck.conf": NginxDataPlane.mainConfig(prefix: p, listen: settings.listen, including: "incoming/gateway.conf", modules: modules, luaCheck: true),
        ]
        try copy(files)
        var args = [p, settings.binary ?? "", lua ? "1" : "0", modules, String(settings.port), String(waitSeconds), LuaChunk.package]
        for probe in probes { args += [probe.serverName, probe.path, probe.token] }
        let result: ProcessResult
        do {
            result = try Transports.ssh.run(ScriptJob(script: Self.applyScript, language: .bash, args: args,
                                                      timeout: Double(30 + waitSeconds * (2 + probes.count))), on: host)
        } catch let e as RuntimeError {
            throw GatewayError.failed("cannot apply the configuration on \(host.name): \(e.message)", hint: e.hint ?? "the previous release keeps serving there")
        }
        guard result.exitCode == 0 else {
            let why = result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
            throw GatewayError.failed("nginx on \(host.name) (\(p)): \(why.isEmpty ? "the apply script exited with \(result.exitCode)" : why)",
                                      hint: result.exitCode == 5 ? "the previous configuration was put back" : "the previous release keeps serving there")
        }
    }

    /// Writes the files into a local folder and copies its contents to PREFIX/incoming on the host.
    func copy(_ files: [String: String]) throws {
        let local = NSTemporaryDirectory() + "platflow-gateway-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: local) }
        for (name, text) in files { try text.write(toFile: local + "/" + name, atomically: true, encoding: .utf8) }
        let options = CopyOptions()
        let sources = try FileDistributor.expand([.local(local + "/")], options: options)
        let copied = FileDistributor.copy(sources, to: host, dest: settings.prefix + "/incoming", options: options)
        guard copied.status == .ok else {
            let why = copied.files.compactMap(\.error).first ?? "status \(copied.status.rawValue)"
            throw GatewayError.failed("cannot copy the configuration to \(host.name):\(settings.prefix)/incoming: \(why)",
                                      hint: "the previous release keeps serving there")
        }
    }

    /// Stops the host's nginx for this prefix (tests, and taking a host out).
    public func stop() throws {
        let r = try Transports.ssh.run(ScriptJob(script: """
            pid=$(cat "$1/nginx.pid" 2>/dev/null) || exit 0
            kill -QUIT "$pid" 2>/dev/null || exit 0
            for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
            echo "nginx (pid $pid) did not exit" >&2; exit 1
            """, language: .bash, args: [settings.prefix], timeout: 30), on: host)
        guard r.exitCode == 0 else { throw GatewayError.failed("cannot stop nginx on \(host.name): \(r.stderrText)", hint: nil) }
    }

    /// The apply script; arguments: prefix, nginx binary ("" to find it), lua (1/0), modules folder, port,
    /// seconds to wait, the Lua package's name, then (server name, path, token) per probe. Exit 3: something
    /// missing on the host; 4: the candidate was refused (nothing changed); 5: failed after the swap (the
    /// previous files are back and reloaded).
    static let applyScript = #"""
        set -u
        prefix=$1; nginx=$2; lua=$3; modules=$4; port=$5; wait=$6; luapkg=$7; shift 7
        incoming="$prefix/incoming"
        [ -n "$nginx" ] || nginx=$(command -v nginx || echo /usr/sbin/nginx)
        [ -x "$nginx" ] || { echo "no nginx at $nginx on this host (apt-get install nginx)" >&2; exit 3; }
        if [ "$lua" = 1 ]; then
          for m in ndk_http_module.so ngx_http_lua_module.so; do
            [ -f "$modules/$m" ] || { echo "this configuration has plugins' Lua blocks, and nginx's Lua module is not installed on this host (no $modules/$m): install Debian's $luapkg" >&2; exit 3; }
          done
        fi
        mkdir -p "$prefix/logs" "$prefix/tmp" || exit 3
        ngx() { "$nginx" -p "$prefix/" -e "$prefix/logs/error.log" "$@"; }
        if ! out=$(ngx -t -q -c "$incoming/nginx.test.conf" 2>&1); then
          rm -rf "$incoming"; echo "nginx -t refused the rendered configuration: $out" >&2; exit 4
        fi
        if [ "$lua" = 1 ] && ! out=$(PLATFLOW_LUA_CHECK=1 ngx -c "$incoming/nginx.luacheck.conf" -g 'daemon off; master_process off;' 2>&1); then
          rm -rf "$incoming"; echo "nginx's Lua module refused a plugin's Lua block: $out" >&2; exit 4
        fi
        [ -f "$prefix/gateway.conf" ] || echo "# no release yet" > "$prefix/gateway.conf"
        [ -f "$prefix/nginx.conf" ] || cp "$incoming/nginx.conf" "$prefix/nginx.conf"
        cp "$prefix/gateway.conf" "$prefix/gateway.previous.conf" && cp "$prefix/nginx.conf" "$prefix/nginx.previous.conf" || exit 3
        mv "$incoming/gateway.conf" "$prefix/gateway.conf" && mv "$incoming/nginx.conf" "$prefix/nginx.conf" || exit 3
        rm -rf "$incoming"
        pid=$(cat "$prefix/nginx.pid" 2>/dev/null || true)
        restore() {
          mv "$prefix/gateway.previous.conf" "$prefix/gateway.conf"; mv "$prefix/nginx.previous.conf" "$prefix/nginx.conf"
          [ -n "$pid" ] && kill -HUP "$pid" 2>/dev/null
          echo "$1" >&2; exit 5
        }
        workers() {
          # The kernel's list of the master's children when it keeps one, else a walk over /proc.
          if [ -r "/proc/$pid/task/$pid/children" ]; then cat "/proc/$pid/task/$pid/children"; return; fi
          for f in /proc/[0-9]*/stat; do
            { read -r line < "$f"; } 2>/dev/null || continue
            rest=${line##*) }; set -- $rest
            [ "${2:-}" = "$pid" ] && [ "$1" != Z ] && { p=${f#/proc/}; echo "${p%/stat}"; }
          done
        }
        deadline() { echo $(( $(date +%s) + wait )); }
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
          old=$(workers)
          kill -HUP "$pid"
          end=$(deadline)
          while :; do
            left=0; now=$(workers)
            for w in $old; do case " $(echo $now) " in *" $w "*) left=1 ;; esac; done
            [ $left = 0 ] && break
            [ "$(date +%s)" -ge "$end" ] && restore "gave up waiting ${wait}s for the previous nginx workers to exit"
            sleep 0.05
          done
        else
          pid=""
          out=$(ngx -c "$prefix/nginx.conf" 2>&1) || restore "nginx did not start: $out"
          pid=$(cat "$prefix/nginx.pid" 2>/dev/null || true)
        fi
        get() {
          exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
          printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$2" "$1" >&3
          resp=$(cat <&3); exec 3<&-
          case "${resp%%$'\r'*}" in *" 200 "*) ;; *) return 1 ;; esac
          body=${resp#*$'\r\n\r\n'}; set -- $body; echo "${1:-}"
        }
        while [ $# -ge 3 ]; do
          end=$(deadline)
          until [ "$(get "$1" "$2" 2>/dev/null)" = "$3" ]; do
            [ "$(date +%s)" -ge "$end" ] && restore "gave up waiting ${wait}s for $1 to answer $3 on $2"
            sleep 0.05
          done
          shift 3
        done
        """#
}
