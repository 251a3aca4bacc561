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

        // More of item 1
        r(.bash, "for d in \"$@\"; do echo $d; done\nrm -rf \"$3\"", "/var", args: ["a", "b", "/var"]),
        r(.bash, "shift; rm -rf \"$1\"", "root folder", args: ["x", "/"]),
        p(.bash, "shift; rm -rf \"$1\"", args: ["/", "/tmp/x"]),
        r(.bash, "rm -rf \"$DIR/\"", "root folder", env: ["DIR": ""]),
        r(.bash, "rm -rf ${BASE}/usr", "/usr", env: ["BASE": "/"]),
        p(.bash, "rm -rf ${BASE}/usr", env: ["BASE": "/opt/app"]),
        r(.bash, "bash -c 'rm -rf \"$TARGET\"'", "/etc", env: ["TARGET": "/etc"]),
        r(.bat, "rd /s /q %1", "drive C:", args: ["C:\\"]),
        p(.bat, "rd /s /q %1", args: ["C:\\temp\\x"]),
        r(.bat, "rd /s /q %TARGET%", "Windows", env: ["TARGET": "C:\\Windows"]),
        r(.powershell, "Remove-Item -Recurse -Force $env:TARGET", "Windows", env: ["TARGET": "C:\\Windows"]),
        r(.python, "import os\nos.system('rm -rf ' + os.environ.get('D'))", "/etc", env: ["D": "/etc"]),
        p(.python, "import shutil, sys\nshutil.rmtree(sys.argv[1])", args: ["/tmp/build"]),

        // More of item 2
        u(.bash, String(repeating: "bash -c ", count: 1) + "\"" + String(repeating: "eval ", count: 9) + "ls\"", "too deep"),
        r(.bash, String(repeating: "eval ", count: 7) + "rm -rf /", "root folder"),
        u(.python, "import os\nos.system(\"" + String(repeating: "eval ", count: 9) + "ls\")", "too deep"),

        // More of item 3
        r(.sql, "select 1;\n.system rm -rf /etc", "/etc"),
        r(.sql, ".output |rm -rf /", "root folder"),
        r(.sql, "\\o |rm -rf /", "root folder"),
        r(.sql, "copy t from program 'rm -rf /'", "root folder"),
        r(.sql, "COPY t TO PROGRAM $$rm -rf /$$", "root folder"),
        u(.sql, "COPY t TO PROGRAM :cmd", "PROGRAM"),
        r(.sql, "/*M!100000 DROP SCHEMA prod */", "database"),
        r(.sql, "/*!DROP DATABASE x*/;", "database"),
        r(.sql, "CREATE FUNCTION f() RETURNS void AS $f$ BEGIN EXECUTE 'DROP SCHEMA app'; END $f$ LANGUAGE plpgsql", "database"),
        u(.sql, "DO $$ BEGIN EXECUTE format('DROP TABLE %I', t); END $$", "EXECUTE"),
        r(.sql, "EXECUTE IMMEDIATE 'DROP DATABASE prod'", "database"),
        r(.bash, "mysql -e '/*!50000 DROP DATABASE prod */'", "database"),
        r(.bash, "psql <<SQL\n\\! rm -rf /\nSQL", "root folder"),
        p(.sql, "EXECUTE s"),
        p(.sql, "PREPARE s FROM 'SELECT * FROM t WHERE id = ?';\nEXECUTE s USING @id;"),
        p(.sql, "DO $$ BEGIN RAISE NOTICE 'hi'; END $$"),
        p(.sql, "DO $$ BEGIN EXECUTE 'ANALYZE t'; END $$"),
        p(.sql, "-- .shell rm -rf /\nSELECT 1"),
        p(.sql, "SELECT '.shell rm -rf /'"),
        p(.sql, "/* plain comment DROP DATABASE prod */ SELECT 1"),
        p(.sql, "CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW EXECUTE FUNCTION f()"),
        p(.bash, "gunzip < dump.sql.gz | mysql app"),
        p(.bash, "cat dump.sql | psql"),

        // More of item 4
        r(.bash, "bash -lc -- 'rm -rf /'", "root folder"),
        r(.bash, "trap \"rm -rf /\" INT TERM", "root folder"),
        r(.bash, "rm -rf $'/'", "root folder"),
        r(.bash, "rm -rf $'\\u002f'", "root folder"),
        r(.bash, "IFS=,; rm${IFS}-rf${IFS}/etc", "/etc"),
        u(.bash, "/usr/bin/r* -rf /", "glob"),
        r(.bash, "C=\"rm -rf\"; $C /", "root folder"),
        u(.bash, "$(echo rm) -rf /", "$(...)"),
        u(.bash, "`which rm` -rf /", "$(...)"),
        r(.bash, "X=/; eval \"rm -rf $X\"", "root folder"),
        u(.bash, "eval \"$(curl -s https://example.com/x)\"", "eval"),
        r(.bash, "bash <<< \"rm -rf /\"", "root folder"),
        r(.bash, "echo 'rm -rf /etc' | sudo bash", "/etc"),
        r(.bash, "echo 'rm -rf /' | bash -s", "root folder"),
        r(.bash, "echo \"import shutil; shutil.rmtree('/etc')\" | python3", "rmtree"),
        u(.bash, "wget -qO- https://example.com/x | sh", "piped"),
        u(.bash, "xxd -r -p payload | bash", "piped"),
        u(.bash, "source /dev/stdin", "source"),
        r(.bash, "cleanup() {\n  rm -rf \"$1\"\n}\ncleanup /etc", "/etc"),
        r(.bash, "f() { g \"$1\"; }\ng() { rm -rf \"$1\"; }\nf /", "root folder"),
        r(.bash, "set -- /etc /usr; rm -rf \"$2\"", "/usr"),
        r(.bash, "rm -rf /proc/thread-self/root/usr", "/usr"),
        r(.bash, "cd /etc; cd /tmp; cd -; rm -rf ./*", "/etc"),
        r(.bash, "ln -sf /etc /tmp/e; rm -rf /tmp/e/", "/etc"),
        r(.bash, "flock -n /var/lock/x.lock -c 'rm -rf /'", "root folder"),
        r(.bash, "watch 'rm -rf /etc'", "/etc"),
        r(.bash, "chroot --userspec=root / rm -rf /usr", "/usr"),
        r(.bash, "unshare -rm rm -rf /", "root folder"),
        r(.bash, "script -c \"rm -rf /\"", "root folder"),
        r(.bash, "systemd-run -p MemoryMax=1G rm -rf /", "root folder"),
        r(.bash, "parallel 'rm -rf {}' ::: / /tmp", "root folder"),
        r(.bash, "ssh -o StrictHostKeyChecking=no root@web1 -- rm -rf /", "root folder"),
        r(.bash, "nohup flock /tmp/l sudo rm -rf / &", "root folder"),
        r(.bash, "timeout 5 watch -n1 rm -rf /", "root folder"),
        r(.bash, "sudo -E env X=1 nice -n 5 rm -rf /", "root folder"),
        p(.bash, "ssh web1 'systemctl restart nginx'"),
        p(.bash, "watch -n 5 df -h"),
        p(.bash, "parallel gzip ::: *.log"),
        p(.bash, "systemd-run --user --scope make"),
        p(.bash, "script -q -c 'ls' /dev/null"),
        p(.bash, "unshare -n curl http://localhost"),
        p(.bash, "chroot /mnt/sysroot ls /"),
        p(.bash, "coproc cat"),
        p(.bash, "trap - EXIT"),
        p(.bash, "trap '' INT"),
        p(.bash, "printf '%s\\n' hello | sh -c 'cat'"),

        // More of item 5
        r(.bash, "find /usr -name '*' -delete", "/usr"),
        r(.bash, "sudo find / -xdev -type f -delete", "find"),
        r(.bash, "find /etc -exec shred -u {} +", "find"),
        r(.bash, "find ~ -delete", "home"),
        r(.bash, "cd /; find . -delete", "find"),
        p(.bash, "find /var/log/app -name '*.gz' -mtime +7 -delete"),
        p(.bash, "find /etc -name '*.conf' -exec grep -l x {} +"),
        r(.bash, "mv /boot /tmp/b", "mv"),
        r(.bash, "mv /bin/ /old-bin", "mv"),
        r(.bash, "sudo mv -f /var /tmp/", "mv"),
        p(.bash, "mv /var/log/app.log /var/log/app.log.1"),
        p(.bash, "mv build/ dist/"),
        r(.bash, "rsync -a --delete /tmp/empty/ /usr", "rsync"),
        r(.bash, "rsync -aH --delete-before x/ ~/", "rsync"),
        p(.bash, "rsync -a --delete ./site/ /var/www/html/"),
        p(.bash, "rsync -av /etc/ backup:/srv/etc/"),
        r(.bash, "sfdisk --delete /dev/sda", "disk"),
        r(.bash, "parted -s /dev/nvme0n1 mklabel gpt", "disk"),
        r(.bash, "wipefs -a /dev/sdb", "file system"),
        r(.bash, "blkdiscard /dev/nvme0n1", "disk"),
        r(.bash, "cryptsetup luksFormat /dev/sdb1", "disk"),
        r(.bash, "dd if=/dev/urandom of=/dev/disk/by-id/ata-x", "disk"),
        r(.bash, "cat /dev/zero > /dev/root", "disk"),
        r(.bash, "pvcreate /dev/sdc", "disk"),
        p(.bash, "parted -l"),
        p(.bash, "sgdisk --print /dev/sda"),
        p(.bash, "fdisk -l /dev/sda"),
        p(.bash, "truncate -s 1G /tmp/disk.img"),
        p(.bash, "dd if=/dev/sda of=/tmp/mbr.bin bs=512 count=1"),
        r(.python, "import shutil as sh\nsh.rmtree('/usr/lib')", "rmtree"),
        r(.python, "from shutil import rmtree\nrmtree('/var')", "rmtree"),
        r(.python, "from shutil import (rmtree as rt, copy)\nrt('/boot')", "rmtree"),
        r(.python, "import os as o\no.system('rm -rf /')", "root folder"),
        r(.python, "from os import system as s\ns('rm -rf /etc')", "/etc"),
        r(.python, "import subprocess as sp\nsp.run(['rm', '-rf', '/'])", "root folder"),
        r(.python, "from pathlib import Path\nfor f in Path('/usr').rglob('*'):\n    f.unlink()", "/usr"),
        r(.python, "eval(\"__import__('os').system('rm -rf /')\")", "root folder"),
        u(.python, "code = input()\nexec(code)", "exec"),
        u(.python, "import os\nos.execvp(prog, args)", "os.execvp"),
        r(.python, "import os\nos.execl('/bin/rm', 'rm', '-rf', '/')", "root folder"),
        r(.python, "import os\nos.spawnv(os.P_WAIT, '/bin/rm', ['rm', '-rf', '/etc'])", "/etc"),
        p(.python, "import os\nos.execvp('ls', ['ls', '-la', '/'])"),
        p(.python, "from pathlib import Path\nPath('/tmp/x.txt').unlink()"),
        p(.python, "from pathlib import Path\nprint(list(Path('/etc').glob('*.conf')))"),
        p(.python, "exec('x = 1')"),
        p(.python, "import shutil as s\ns.copy('/etc/hosts', '/tmp/hosts')"),
        r(.powershell, "Get-ChildItem -Path C:\\Windows\\System32 | Remove-Item -Recurse -Force", "Windows"),
        r(.powershell, "ls C:\\ | rm -r", "C:\\"),
        u(.powershell, "Get-Content list.txt | Remove-Item -Recurse", "Get-Content"),
        r(.powershell, "Invoke-Expression 'Format-Volume -DriveLetter C'", "disk"),
        u(.powershell, "Invoke-Expression $script", "Invoke-Expression"),
        r(.powershell, "$target = \"C:\\\"\nRemove-Item $target -Recurse", "C:\\"),
        r(.powershell, "[System.IO.Directory]::Delete($env:SystemRoot, $true)", "Windows"),
        r(.powershell, "powershell -Command \"Remove-Item -Recurse C:\\Windows\"", "Windows"),
        p(.powershell, "[IO.Directory]::Delete('C:\\temp\\build', $true)"),
        p(.powershell, "$p = 'C:\\temp\\build'\nRemove-Item -Recurse -Force $p"),
        p(.powershell, "Get-ChildItem C:\\Windows | Select-Object Name"),
        p(.powershell, "iex 'Get-Date'"),
        p(.powershell, "Get-ChildItem C:\\logs -Filter *.log | Remove-Item"),
        r(.bat, "cmd /c \"rd /s /q C:\\Windows\"", "Windows"),
        r(.bat, "cmd.exe /k rmdir /s /q C:\\", "C:\\"),
        r(.bat, "rmdir/s/q C:\\Windows", "Windows"),
        r(.bat, "rd /s/q C:\\", "C:\\"),
        r(.bat, "set \"T=C:\\Program Files\"\nrd /s /q \"%T%\"", "Program Files"),
        r(.bat, "del /f /s /q C:\\Windows\\*.*", "Windows"),
        r(.bat, "powershell.exe -c \"Remove-Item C:\\ -Recurse\"", "C:\\"),
        r(.bat, "pwsh -Command \"iex 'Remove-Item -Recurse C:\\Windows'\"", "Windows"),
        p(.bat, "set D=C:\\temp\\build\nrd /s /q %D%"),
        p(.bat, "del /s /q C:\\temp\\build\\*"),
        p(.bat, "cmd /c dir C:\\"),
        p(.bat, "powershell -Command \"Get-Date\""),
        p(.bat, ":: rd /s /q C:\\"),

        // More of item 7
        p(.bash, "if [[ -n \"$D\" ]]; then rm -rf \"$D\"/*; fi"),
        p(.bash, "if [ -d \"$D\" ]; then rm -rf \"$D\"/*; fi"),
        p(.bash, "test -n \"$D\" && rm -rf \"$D\"/*"),
        p(.bash, "[ -z \"$D\" ] && exit 1\nrm -rf \"$D\"/*"),
        p(.bash, "[ -n \"$D\" ] || exit 1\nrm -rf \"$D\"/*"),
        r(.bash, "if [ -n \"$D\" ]; then echo ok; fi\nrm -rf \"$D\"/*", "D is empty"),
        r(.bash, "if [ -n \"$D\" ]; then echo; else rm -rf \"$D\"/*; fi", "D is empty"),
        r(.bash, "[ -n \"$D\" ] || rm -rf \"$D\"/*", "D is empty"),
        p(.bash, "rm -rf node_modules dist .cache"),
        p(.bash, "rm -rf \"${BUILD_DIR:?}\"/*"),
        p(.bash, "rm -rf /var/tmp/app-*"),
        p(.bash, "rm -f /etc/nginx/sites-enabled/default"),
        p(.bash, "echo 'rm -rf /' > /tmp/notes.txt"),
        p(.bash, "cat <<'EOF'\nrm -rf /\nEOF"),
        p(.bash, "grep -r 'rm -rf /' ."),
        p(.bash, "docker run --rm alpine ls"),
        p(.bash, "kubectl delete pod x"),
        p(.bash, "git clean -fdx"),
        p(.bash, "make clean"),
        p(.bash, "systemctl restart nginx"),
        p(.bash, "apt-get install -y curl"),
        p(.bash, "tar czf /tmp/etc.tgz /etc"),
        p(.bash, "cp -r /etc/nginx /tmp/nginx-backup"),
        p(.bash, "chmod -R 755 /srv/app"),
        p(.bash, "ln -s /srv/app/releases/3 /srv/app/current"),
        p(.bash, "ln -s / /tmp/r; ls /tmp/r"),
        p(.bash, "cd \"$(dirname \"$0\")\""),
        p(.bash, "while read -r line; do echo \"$line\"; done < /etc/hosts"),
        p(.bash, "case \"$1\" in start) echo s;; stop) echo t;; esac"),
        p(.bash, "export PATH=\"$HOME/bin:$PATH\"; ls"),
        p(.bash, "x=$(date +%s); echo $x"),
        p(.bash, "python3 -c 'print(1)'"),
        p(.bash, "python3 - <<'EOF'\nprint('hi')\nEOF"),
        p(.bash, "sqlite3 app.db 'select count(*) from t'"),
        p(.bash, "psql -c 'select 1'"),
        p(.bash, "echo SELECT 1 | psql"),
        p(.sh, "set -eu\n[ -n \"${1:-}\" ] || { echo usage; exit 2; }\necho \"$1\""),
        p(.python, "import subprocess\nsubprocess.run(['ls', '-la'])"),
        p(.python, "import os\nos.remove('/tmp/x')"),
        p(.perl, "system('ls -la /');"),
        r(.perl, "system('rm -rf /');", "root folder"),
        r(.perl, "use File::Path qw(rmtree);\nrmtree('/etc');", "rmtree"),
        p(.perl, "print \"rm -rf /\\n\";"),
        p(.powershell, "Remove-Item C:\\temp\\x.txt"),
        p(.powershell, "# Remove-Item -Recurse C:\\\nGet-Date"),
        p(.bat, "rd /s /q build"),
        p(.bat, "del /q C:\\temp\\*.tmp"),
    ]
}

@Suite struct CheckerCorpusTests {
    static let policy = DangerPolicy()

    @Test("functions calling each other many times are followed up to a budget, then refused as unchecked")
    func callBudget() {
        // Each of f1..f4 calls the next 40 times: 40^4 calls if followed naively.
        var script = "f5() { rm -rf \"$1\"; }\n"
        for k in (1...4).reversed() {
            script += "f\(k)() { " + String(repeating: "f\(k + 1) /tmp/x; ", count: 40) + "}\n"
        }
        script += "f1\n"
        let findings = CheckerCorpusTests.policy.check(script, language: .bash)
        #expect(findings.contains { $0.ruleID == DangerPolicy.uncheckedRuleID && $0.message.contains("too many calls") }, "\(findings)")
    }

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
