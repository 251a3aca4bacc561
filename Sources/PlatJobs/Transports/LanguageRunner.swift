import Foundation
import PlatLang

/// How one script is started on a Unix host: the argv (the script arrives on stdin), variables the launch
/// itself needs, and the program that must be installed for it to work.
struct ScriptLaunch {
    var arguments: [String]
    /// Added to the script's environment (e.g. `MYSQL_PWD`, so a password never shows in `ps`).
    var environment: [String: String] = [:]
    /// The interpreter or client that must exist (checked before running, so its absence is a clear error).
    var program: String
    /// What provides `program`, for the error message.
    var install: String
    /// Checked by the caller before spawning: set where the spawn alone would not name the missing program
    /// (pwsh runs under an `sh` wrapper) or would name it without a useful hint.
    var checkBeforeRunning = false
}

/// The command line for each script language.
///
/// Scripts always travel on stdin and their arguments as real argv entries, so no value is ever spliced into
/// script text. Consequence: a script cannot read its own stdin (for bash and sh, reading stdin would consume
/// the rest of the script, as with any `bash -s`).
///
/// Languages:
/// - bash: `bash -s -- ARGS`; sh: `sh -s -- ARGS`; python: `python3 - ARGS`; perl: `perl - ARGS`.
/// - powershell: pwsh needs a file to pass arguments (`-Command` would splice them into the command text), so
///   a small `sh` wrapper copies stdin to a private temporary folder, runs
///   `pwsh -NoProfile -NonInteractive -File DIR/script.ps1 ARGS` and removes the folder on exit, SIGTERM, SIGINT
///   and SIGHUP. (SIGKILL, the last resort of a timeout, leaves it behind in `$TMPDIR`.)
/// - sql: the job's `connection`: `sqlite:PATH` (or `sqlite3:PATH`) runs `sqlite3 -batch -bail PATH`;
///   `mysql:DB` or `mysql://user:password@host:port/db` runs the mysql client (password in `MYSQL_PWD`);
///   `postgres:` / `postgresql:` followed by a URI (`//user@host/db`) or a conninfo string runs
///   `psql -X -q -v ON_ERROR_STOP=1 -f - --dbname=...`. SQL scripts take no arguments.
/// - bat: only on Windows hosts.
///
/// Windows hosts (`onWindows`): powershell and bat, through a PowerShell bootstrap passed with
/// `-EncodedCommand` (only base64 on the command line, which cmd and PowerShell both leave alone): it writes
/// stdin to a temporary `.ps1`/`.bat`, runs it with the arguments (carried base64-encoded, never as code), and
/// deletes it. Arguments to a `.bat` still go through cmd.exe's own parsing: pass values with `&|<>^%` in
/// environment variables. Not exercised by the tests here (no Windows host).
///
/// Errors are `RuntimeError`s (unknown connection, arguments to SQL, a language the host cannot run).
public enum LanguageRunner {
    /// The argv that runs a script of this language with the script on stdin and `args` as its arguments,
    /// e.g. bash: `["bash", "-s", "--", args...]`; python: `["python3", "-", args...]`.
    /// With `onWindows`, the job's `env` is carried inside the argv (a Windows login has no `env` command).
    public static func command(for job: ScriptJob, onWindows: Bool = false) throws -> [String] {
        if onWindows { return try windowsCommand(for: job, environment: job.env) }
        return try launch(for: job).arguments
    }

    /// The Unix launch of `job` (see the type's summary).
    static func launch(for job: ScriptJob) throws -> ScriptLaunch {
        switch job.language {
        case .bash:
            return ScriptLaunch(arguments: ["bash", "-s", "--"] + job.args, program: "bash", install: "bash")
        case .sh:
            return ScriptLaunch(arguments: ["sh", "-s", "--"] + job.args, program: "sh", install: "dash")
        case .python:
            return ScriptLaunch(arguments: ["python3", "-"] + job.args, program: "python3", install: "python3")
        case .perl:
            return ScriptLaunch(arguments: ["perl", "-"] + job.args, program: "perl", install: "perl")
        case .powershell:
            return ScriptLaunch(arguments: ["sh", "-c", pwshWrapper, "platflow-pwsh"] + job.args,
                                program: "pwsh", install: pwshInstall, checkBeforeRunning: true)
        case .sql:
            return try sqlLaunch(for: job)
        case .bat:
            throw RuntimeError("bat scripts run only on Windows hosts",
                               hint: "mark a Windows host with os: \"windows\" in its host map, or use bash/sh here")
        }
    }

    /// What to install for pwsh (it is not in Debian's own archive).
    static let pwshInstall = "PowerShell 7 (the `powershell` package from Microsoft's package repository, or "
        + "`dotnet tool install --global PowerShell`)"

    /// Copies stdin to a private temporary `.ps1` (pwsh -File insists on the extension) and runs it with the
    /// wrapper's own arguments; the folder goes away however the script ends, short of SIGKILL.
    static let pwshWrapper = """
        d=$(mktemp -d "${TMPDIR:-/tmp}/platflow-ps.XXXXXX") || exit 1
        trap 'rm -rf "$d"' EXIT
        trap 'rm -rf "$d"; trap - EXIT; exit 129' HUP
        trap 'rm -rf "$d"; trap - EXIT; exit 130' INT
        trap 'rm -rf "$d"; trap - EXIT; exit 143' TERM
        cat > "$d/script.ps1" || exit 1
        pwsh -NoProfile -NonInteractive -File "$d/script.ps1" "$@"
        """

    // MARK: SQL

    /// The kinds of `connection` a sql script accepts.
    enum SQLConnection: Equatable {
        case sqlite(path: String)
        case mysql(String)
        case postgres(String)
    }

    static let connectionForms = "sqlite:PATH, mysql:DB or mysql://user:password@host:port/db, "
        + "postgres://user@host:port/db"

    /// Parses a job's `connection`.
    static func parseConnection(_ connection: String?) throws -> SQLConnection {
        guard let connection, !connection.isEmpty else {
            throw RuntimeError("sql scripts need a connection", hint: "connection: one of \(connectionForms)")
        }
        if connection.utf8.contains(0) { throw RuntimeError("the sql connection contains a NUL byte") }
        func rest(after prefix: String) -> String? {
            connection.lowercased().hasPrefix(prefix) ? String(connection.dropFirst(prefix.count)) : nil
        }
        if let path = rest(after: "sqlite:") ?? rest(after: "sqlite3:") {
            guard !path.isEmpty else {
                throw RuntimeError("sql connection 'sqlite:' names no database file", hint: "sqlite:/var/lib/app/app.db")
            }
            return .sqlite(path: path)
        }
        if let r = rest(after: "mysql:") {
            guard !r.isEmpty else { throw RuntimeError("sql connection 'mysql:' names no database", hint: connectionForms) }
            return .mysql(r)
        }
        if let r = rest(after: "postgresql:") ?? rest(after: "postgres:") {
            guard !r.isEmpty else { throw RuntimeError("sql connection 'postgres:' names no database", hint: connectionForms) }
            return .postgres(r)
        }
        let shown = ScriptEnvironment.printable(String(connection.prefix(60)))
        throw RuntimeError("unknown sql connection '\(shown)'", hint: "a connection is one of \(connectionForms)")
    }

    static func sqlLaunch(for job: ScriptJob) throws -> ScriptLaunch {
        if !job.args.isEmpty {
            throw RuntimeError("sql scripts take no arguments (got \(job.args.count))",
                               hint: "SQL clients have no argv for scripts; write the values into a table first, "
                                   + "or use a bash step that calls the client")
        }
        switch try parseConnection(job.connection) {
        case .sqlite(let path):
            // sqlite3 has no `--`: a path that looks like an option is made relative-explicit instead.
            let file = path.hasPrefix("-") ? "./" + path : path
            return ScriptLaunch(arguments: ["sqlite3", "-batch", "-bail", file], program: "sqlite3", install: "sqlite3")
        case .mysql(let spec):
            var argv = ["mysql", "--batch"]
            var env: [String: String] = [:]
            if spec.hasPrefix("//") {
                guard let url = URLComponents(string: "mysql:" + spec), let host = url.host, !host.isEmpty else {
                    throw RuntimeError("sql connection 'mysql:\(spec.prefix(60))' is not a valid URL",
                                       hint: "mysql://user:password@host:port/db")
                }
                argv.append("--host=" + host)
                if let port = url.port { argv.append("--port=\(port)") }
                if let user = url.user, !user.isEmpty { argv.append("--user=" + user) }
                if let password = url.password { env["MYSQL_PWD"] = password.removingPercentEncoding ?? password }
                let db = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
                if !db.isEmpty { argv.append("--database=" + db) }
            } else {
                argv.append("--database=" + spec)
            }
            return ScriptLaunch(arguments: argv, environment: env, program: "mysql",
                                install: "the mysql client (apt-get install default-mysql-client)",
                                checkBeforeRunning: true)
        case .postgres(let spec):
            let target = spec.hasPrefix("//") ? "postgresql:" + spec : spec
            return ScriptLaunch(arguments: ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-", "--dbname=" + target],
                                program: "psql", install: "the psql client (apt-get install postgresql-client)",
                                checkBeforeRunning: true)
        }
    }

    // MARK: Windows

    /// The argv run on a Windows host: powershell.exe with the bootstrap (see the type's summary).
    static func windowsCommand(for job: ScriptJob, environment: [String: String]) throws -> [String] {
        let ext: String
        let runLine: String
        switch job.language {
        case .powershell:
            ext = "ps1"
            runLine = "& powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $f @a"
        case .bat:
            ext = "bat"
            // `call` keeps cmd /c from stripping the quotes around a temp path with spaces.
            runLine = "& cmd.exe /d /c call $f @a"
        default:
            throw RuntimeError("\(job.language.rawValue) scripts cannot run on a Windows host",
                               hint: "use powershell or bat for hosts marked os: \"windows\"")
        }
        func b64(_ s: String) -> String { "(D '" + Data(s.utf8).base64EncodedString() + "')" }
        let args = job.args.isEmpty ? "@()" : "@(" + job.args.map(b64).joined(separator: ", ") + ")"
        var lines = [
            "$ErrorActionPreference = 'Stop'",
            "$ProgressPreference = 'SilentlyContinue'",
            "function D([string]$s) { [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($s)) }",
            "$a = \(args)",
        ]
        for key in environment.keys.sorted() {
            if let value = environment[key] {
                lines.append("[Environment]::SetEnvironmentVariable(\(b64(key)), \(b64(value)))")
            }
        }
        lines += [
            "[Console]::Error.Write([string][char]30 + 'platflow:start' + [string][char]30)",
            "$f = Join-Path ([IO.Path]::GetTempPath()) ('platflow-' + [Guid]::NewGuid().ToString('N') + '.\(ext)')",
            "$o = [IO.File]::Create($f)",
            // Windows PowerShell reads a .ps1 without a byte-order mark as the ANSI code page.
            ext == "ps1" ? "try { $o.Write([byte[]](0xEF, 0xBB, 0xBF), 0, 3); [Console]::OpenStandardInput().CopyTo($o) } finally { $o.Close() }"
                : "try { [Console]::OpenStandardInput().CopyTo($o) } finally { $o.Close() }",
            "$code = 1",
            "try { \(runLine); $code = $LASTEXITCODE } finally { Remove-Item -LiteralPath $f -Force -ErrorAction SilentlyContinue }",
            "exit $code",
        ]
        let text = lines.joined(separator: "\n")
        var utf16le: [UInt8] = []
        utf16le.reserveCapacity(text.utf16.count * 2)
        for unit in text.utf16 {
            utf16le.append(UInt8(unit & 0xFF))
            utf16le.append(UInt8(unit >> 8))
        }
        return ["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass",
                "-EncodedCommand", Data(utf16le).base64EncodedString()]
    }
}

extension Host {
    /// Marked as a Windows host (`os: "windows"` in its host map)?
    var isWindows: Bool { vars["os"]?.lowercased() == "windows" }
}
