import Foundation
import Testing
import PlatLang
@testable import PlatJobs

/// The dangerous-command check: a table of scripts that must be flagged (and by which rule), a table of
/// scripts that must pass, line numbers and excerpts, and user rules (valid, invalid, per language, warn/block).
struct DangerTests {
    static let policy = DangerPolicy()

    // MARK: - Flagged

    static let flagged: [(ScriptLanguage, String, String)] = [
        // rm -rf in every flag spelling, on the root and its aliases
        (.bash, "rm -rf /", "rm-system-path"),
        (.bash, "rm -fr /", "rm-system-path"),
        (.bash, "rm -r -f /", "rm-system-path"),
        (.bash, "rm --recursive --force /", "rm-system-path"),
        (.bash, "rm -Rf /", "rm-system-path"),
        (.bash, "rm -vrf /", "rm-system-path"),
        (.bash, "rm -r /etc", "rm-system-path"),
        (.bash, "rm -rf --no-preserve-root /", "rm-system-path"),
        (.bash, "rm / -rf", "rm-system-path"),
        (.bash, "rm -rf //", "rm-system-path"),
        (.bash, "rm -rf /*", "rm-system-path"),
        (.bash, "rm -rf /.", "rm-system-path"),
        (.bash, "rm -rf /..", "rm-system-path"),
        (.bash, "rm -rf '/'", "rm-system-path"),
        (.bash, "rm -rf /tmp/build /", "rm-system-path"),
        // paths through ..
        (.bash, "rm -rf /tmp/../", "rm-system-path"),
        (.bash, "rm -rf /var/www/../../etc", "rm-system-path"),
        (.bash, "rm -rf /srv/app/../../usr/lib", "rm-system-path"),
        // system folders and their children
        (.bash, "rm -rf /usr", "rm-system-path"),
        (.sh, "rm -rf /etc/", "rm-system-path"),
        (.bash, "rm -rf /usr/*", "rm-system-path"),
        (.bash, "rm -rf /lib64", "rm-system-path"),
        (.bash, "rm -rf /var/lib", "rm-system-path"),
        (.bash, "rm -rf /boot/efi", "rm-system-path"),
        (.bash, "rm -rf /home/*", "rm-system-path"),
        (.bash, "rm -rf /opt/*", "rm-system-path"),
        (.bash, "rm -rf /usr/{bin,lib}", "rm-system-path"),
        (.bash, "rm -rf /u*", "rm-system-path"),
        // home
        (.bash, "rm -rf ~", "rm-system-path"),
        (.bash, "rm -rf ~/", "rm-system-path"),
        (.bash, "rm -rf ~/*", "rm-system-path"),
        (.bash, "rm -rf ~/..", "rm-system-path"),
        (.bash, "rm -rf $HOME", "rm-system-path"),
        (.bash, "rm -rf \"$HOME\"/*", "rm-system-path"),
        (.bash, "rm -rf ${HOME}/", "rm-system-path"),
        // variables that may be empty
        (.bash, "rm -rf $DIR/", "rm-system-path"),
        (.bash, "rm -rf \"${TARGET}\"/*", "rm-system-path"),
        (.bash, "rm -rf $X/*", "rm-system-path"),
        (.bash, "rm -rf \"$1/\"", "rm-system-path"),
        (.bash, "rm -rf ${PREFIX}/usr", "rm-system-path"),
        (.bash, "rm -rf \"$(dirname \"$0\")\"/", "rm-system-path"),
        (.bash, "rm -rf ${APP:+x}/", "rm-system-path"),
        // wrappers
        (.bash, "sudo rm -rf /", "rm-system-path"),
        (.bash, "sudo -u root -E rm -rf /etc", "rm-system-path"),
        (.bash, "nice -n 10 rm -rf /", "rm-system-path"),
        (.bash, "env FOO=1 rm -rf /", "rm-system-path"),
        (.bash, "command rm -rf /", "rm-system-path"),
        (.bash, "find /tmp -name x | xargs -0 rm -rf /", "rm-system-path"),
        (.bash, "timeout 10 rm -rf /", "rm-system-path"),
        (.bash, "/bin/rm -rf /", "rm-system-path"),
        (.bash, "\\rm -rf /", "rm-system-path"),
        (.bash, "FOO=bar rm -rf /", "rm-system-path"),
        (.bash, "if true; then rm -rf /; fi", "rm-system-path"),
        (.bash, "for x in a; do sudo rm -rf \"$x\"/; done", "rm-system-path"),
        // variables the script set itself are judged by their value
        (.bash, "DIR=/\nrm -rf $DIR*", "rm-system-path"),
        (.bash, "export TARGET=/usr\nrm -rf \"$TARGET\"", "rm-system-path"),
        (.bash, "DIR=\nrm -rf \"$DIR/\"", "rm-system-path"),
        (.bash, "DIR=/tmp/x\nDIR=$1\nrm -rf $DIR/", "rm-system-path"),
        (.bash, "DEV=/dev/sdb\ndd if=/dev/zero of=$DEV", "dd-disk"),
        // cd first
        (.bash, "cd / && rm -rf *", "rm-system-path"),
        (.bash, "cd /; rm -rf .", "rm-system-path"),
        (.bash, "cd /\nrm -rf ./*", "rm-system-path"),
        (.bash, "cd /usr && rm -rf *", "rm-system-path"),
        (.bash, "cd ~ && rm -rf *", "rm-system-path"),
        (.bash, "cd && rm -rf ./*", "rm-system-path"),
        (.bash, "cd /tmp && rm -rf ../*", "rm-system-path"),
        (.bash, "cd $DIR && rm -rf *", "rm-system-path"),   // unquoted and empty: cd goes home
        // scripts inside scripts
        (.bash, "bash -c \"rm -rf /\"", "rm-system-path"),
        (.bash, "sudo sh -c 'rm -rf /*'", "rm-system-path"),
        (.bash, "eval \"rm -rf /\"", "rm-system-path"),
        (.bash, "x=$(rm -rf /)", "rm-system-path"),
        (.bash, "echo `rm -rf /etc`", "rm-system-path"),
        (.bash, "bash <<EOF\nrm -rf /\nEOF", "rm-system-path"),
        (.bash, "su -c 'rm -rf /' root", "rm-system-path"),
        (.bash, "python3 -c \"import shutil; shutil.rmtree('/')\"", "rmtree-system-path"),
        (.bash, "perl -e 'system(\"rm -rf /\")'", "rm-system-path"),
        (.bash, "psql -c \"DROP DATABASE prod\"", "sql-drop-database"),
        (.bash, "mysql -u root <<SQL\nDROP DATABASE shop;\nSQL", "sql-drop-database"),
        // file systems
        (.bash, "mkfs.ext4 /dev/sdb1", "format-disk"),
        (.bash, "mkfs -t xfs /dev/vdb", "format-disk"),
        (.bash, "sudo mke2fs /dev/sdc", "format-disk"),
        (.bash, "wipefs -a /dev/nvme0n1", "format-disk"),
        // dd and raw writes
        (.bash, "dd if=/dev/zero of=/dev/sda bs=1M", "dd-disk"),
        (.bash, "dd if=image.iso of=/dev/nvme0n1 status=progress", "dd-disk"),
        (.bash, "dd if=/dev/urandom of=/dev/mmcblk0", "dd-disk"),
        (.bash, "dd if=x of=/dev/xvda", "dd-disk"),
        (.bash, "dd if=x of=/dev/hdb", "dd-disk"),
        (.bash, "dd if=x of=/dev/vda1", "dd-disk"),
        (.bash, "dd if=x of=/dev/md0", "dd-disk"),
        (.bash, "dd if=x of=/dev/dm-0", "dd-disk"),
        (.bash, "dd if=x of=/dev/disk/by-id/ata-1", "dd-disk"),
        (.bash, "sudo dd if=/dev/zero of=\"/dev/sdb\"", "dd-disk"),
        (.bash, "shred -n 1 /dev/sda", "dd-disk"),
        // fork bombs
        (.bash, ":(){ :|:& };:", "fork-bomb"),
        (.bash, ": () { : | : & } ; :", "fork-bomb"),
        (.bash, ":(){ :|: & };:", "fork-bomb"),
        (.bash, "bomb() { bomb | bomb & }; bomb", "fork-bomb"),
        (.bash, "function boom {\n  boom | boom &\n}\nboom", "fork-bomb"),
        // redirection onto disks
        (.bash, "echo hi > /dev/sda", "redirect-disk"),
        (.bash, "cat x > /dev/nvme0n1", "redirect-disk"),
        (.bash, "cat img >>/dev/sdb", "redirect-disk"),
        (.bash, "echo x | tee /dev/sda", "redirect-disk"),
        (.bash, "head -c 1M /dev/zero &> /dev/vdb", "redirect-disk"),
        // permissions, power
        (.bash, "chmod -R 777 /", "chmod-system"),
        (.bash, "sudo chmod --recursive 000 /etc", "chmod-system"),
        (.bash, "chown -R nobody:nogroup /", "chown-system"),
        (.bash, "shutdown -h now", "power"),
        (.bash, "sudo reboot", "power"),
        (.bash, "halt", "power"),
        (.bash, "poweroff", "power"),
        (.bash, "init 0", "power"),
        (.bash, "systemctl reboot", "power"),
        // python
        (.python, "import shutil\nshutil.rmtree('/')", "rmtree-system-path"),
        (.python, "shutil.rmtree(\"/etc\")", "rmtree-system-path"),
        (.python, "from shutil import rmtree\nrmtree('C:\\\\')", "rmtree-system-path"),
        (.python, "shutil.rmtree(f\"{root}/\")", "rmtree-system-path"),
        (.python, "import os\nos.system(\"rm -rf /\")", "rm-system-path"),
        (.python, "subprocess.run([\"rm\", \"-rf\", \"/\"])", "rm-system-path"),
        (.python, "subprocess.call(\"sudo rm -rf /usr\", shell=True)", "rm-system-path"),
        (.python, "os.system(f\"rm -rf {d}/\")", "rm-system-path"),
        (.python, "os.system(\"rm -rf \" + d + \"/\")", "rm-system-path"),
        (.python, "os.system(\"rm -rf %s/\" % d)", "rm-system-path"),
        (.python, "os.system('''\nrm -rf /\n''')", "rm-system-path"),
        (.python, "subprocess.check_output(['dd', 'if=/dev/zero', 'of=/dev/sda'])", "dd-disk"),
        (.python, "import os\nwhile True:\n    os.fork()", "fork-bomb"),
        // perl
        (.perl, "system(\"rm -rf /\");", "rm-system-path"),
        (.perl, "system('rm', '-rf', '/');", "rm-system-path"),
        (.perl, "system \"rm -rf $dir/\";", "rm-system-path"),
        (.perl, "my $out = `rm -rf /`;", "rm-system-path"),
        (.perl, "qx{rm -rf /etc};", "rm-system-path"),
        (.perl, "use File::Path qw(rmtree);\nrmtree('/usr');", "rmtree-system-path"),
        (.perl, "File::Path::remove_tree(\"/var\");", "rmtree-system-path"),
        (.perl, "fork while fork;", "fork-bomb"),
        (.perl, "exec('mkfs.ext4', '/dev/sdb');", "format-disk"),
        // powershell
        (.powershell, "Remove-Item -Recurse -Force C:\\", "remove-item-system-path"),
        (.powershell, "Remove-Item -Path \"C:\\Windows\" -Recurse", "remove-item-system-path"),
        (.powershell, "Remove-Item -Recurse -Force /", "remove-item-system-path"),
        (.powershell, "rm -r -fo /etc", "remove-item-system-path"),
        (.powershell, "Remove-Item $env:SystemRoot -Recurse -Force", "remove-item-system-path"),
        (.powershell, "Remove-Item \"$dir\\*\" -Recurse", "remove-item-system-path"),
        (.powershell, "Get-ChildItem x | ForEach-Object { Remove-Item C:\\* -Recurse }", "remove-item-system-path"),
        (.powershell, "Remove-Item -LiteralPath 'C:\\Program Files' -Recurse", "remove-item-system-path"),
        (.powershell, "Format-Volume -DriveLetter D", "format-disk"),
        (.powershell, "Stop-Computer -Force", "power"),
        // sql
        (.sql, "DROP DATABASE prod;", "sql-drop-database"),
        (.sql, "drop schema app cascade;", "sql-drop-database"),
        (.sql, "TRUNCATE TABLE users;", "sql-truncate"),
        (.sql, "DELETE FROM users;", "sql-delete-without-where"),
        (.sql, "delete from users -- where id = 1", "sql-delete-without-where"),
        (.sql, "DELETE FROM t /* WHERE x = 1 */;", "sql-delete-without-where"),
        (.sql, "UPDATE users SET admin = 1;", "sql-update-without-where"),
        // bat
        (.bat, "rd /s /q C:\\", "rd-system-path"),
        (.bat, "rmdir /S /Q \"C:\\Windows\"", "rd-system-path"),
        (.bat, "del /s /q C:\\*", "rd-system-path"),
        (.bat, "@echo off & rd /s /q %SystemRoot%", "rd-system-path"),
        (.bat, "rd /s /q %TARGET%\\", "rd-system-path"),
        (.bat, "format D: /q", "format-disk"),
        (.bat, "shutdown /s /t 0", "power"),
    ]

    @Test func tableIsLargeEnough() {
        #expect(DangerTests.flagged.count >= 40)
        #expect(DangerTests.allowed.count >= 20)
    }

    @Test("flagged scripts", arguments: DangerTests.flagged)
    func flagged(_ language: ScriptLanguage, _ script: String, _ ruleID: String) throws {
        let findings = DangerTests.policy.check(script, language: language)
        let hit = findings.first { $0.ruleID == ruleID }
        #expect(hit != nil, "\(language) \(script): expected \(ruleID), got \(findings)")
        let rule = try #require(DangerPolicy.builtIn.first { $0.id == ruleID })
        #expect(hit?.action == rule.action)
        #expect(hit?.message.isEmpty == false)
    }

    // MARK: - Allowed

    static let allowed: [(ScriptLanguage, String)] = [
        (.bash, "rm -rf /tmp/build"),
        // A variable followed by a non-empty path segment is allowed: empty, it still names /cache, not a system path.
        (.bash, "rm -rf \"$WORKDIR/cache\""),
        (.bash, "rm -rf $WORKDIR/cache/*"),
        (.bash, "rm -rf ./dist"),
        (.bash, "rm -rf dist build *.egg-info"),
        (.bash, "dd if=/dev/zero of=/tmp/file bs=1M count=10"),
        (.bash, "dd if=/dev/sda of=/tmp/mbr.img bs=512 count=1"),
        (.bash, "mkdir -p /var/lib/app"),
        (.bash, "# rm -rf /"),
        (.bash, "ls  # rm -rf / would be bad"),
        (.bash, "echo \"rm -rf /\""),
        (.bash, "echo rm -rf /"),
        (.bash, "printf '%s\\n' 'mkfs.ext4 /dev/sda'"),
        (.bash, "grep -r \"rm -rf /\" ."),
        (.bash, "cat <<EOF\nrm -rf /\n:(){ :|:& };:\nEOF"),
        (.bash, "cat <<'EOF' > /tmp/notes\nmkfs /dev/sda\nEOF"),
        (.bash, "rm -rf /var/lib/app/cache"),
        (.bash, "rm -rf /opt/myapp"),
        (.bash, "rm -rf /home/deploy/releases/42"),
        (.bash, "rm -rf ~/.cache/pip"),
        (.bash, "rm -rf \"$HOME/.cache\""),
        // ${X:?} stops the script when X is empty: the safe idiom.
        (.bash, "rm -rf \"${DIR:?}/\""),
        (.bash, "rm -rf \"${DIR:?}\"/*"),
        (.bash, "rm -rf ${BUILD_DIR:-/tmp/build}/out"),
        // A variable alone is allowed: empty, `rm -rf ""` removes nothing.
        (.bash, "rm -rf \"$DIR\""),
        (.bash, "DIR=/tmp/build\nrm -rf \"$DIR\"/*"),
        (.bash, "local out=\"/srv/app/$1\"; rm -rf \"$out\"/"),
        (.bash, "BASE=/opt/app; REL=\"$BASE/releases\"\nrm -rf \"${REL:?}\"/*"),
        (.bash, "rm /etc/nginx/sites-enabled/default"),
        (.bash, "rm -f /tmp/*.log"),
        (.bash, "cd /tmp/build && rm -rf *"),
        (.bash, "cd /srv/app/releases && rm -rf ./old"),
        (.bash, "cd \"$DIR\" && rm -rf ./*"),               // quoted: cd "" stays where it is (unknown)
        (.bash, "cd /; cd /tmp/x; rm -rf *"),
        (.bash, "ls -la / > /dev/null 2>&1"),
        (.bash, "echo oops > /dev/stderr"),
        (.bash, "cp -r /etc/nginx /tmp/backup"),
        (.bash, "chmod -R 755 /var/www/html"),
        (.bash, "chown -R www-data /srv/www/app"),
        (.bash, "find . -name '*.pyc' -delete"),
        (.bash, "which mkfs.ext4 && command -v reboot"),
        (.bash, "shutdown -c"),
        (.bash, "wipefs -n /dev/sdb"),
        (.bash, "echo reboot_required=1 >> /tmp/state"),
        (.bash, "restart() { systemctl restart nginx; }; restart"),
        (.bash, "worker() { sleep 1; }; worker & worker & wait"),
        (.bash, "rm -rf /tmp/../tmp/x"),
        (.bash, "tar -C / -xzf app.tgz opt/app"),
        (.bash, "rsync -a --delete /srv/src/ /srv/dst/"),
        (.python, "shutil.rmtree('/tmp/build')"),
        (.python, "# os.system(\"rm -rf /\")"),
        (.python, "print(\"rm -rf /\")"),
        (.python, "subprocess.run([\"rm\", \"-rf\", \"/tmp/x\"])"),
        (.python, "os.system(\"ls /\")"),
        (.python, "s = 'shutil.rmtree(\"/\")'"),
        (.python, "shutil.rmtree(os.path.join(base, 'cache'))"),
        (.perl, "print \"rm -rf /\\n\";"),
        (.perl, "# system(\"rm -rf /\")"),
        (.perl, "system(\"rm -rf /tmp/build\");"),
        (.perl, "my $n = $#list; print \"ok\";"),
        (.perl, "=pod\nsystem('rm -rf /');\n=cut\nprint 1;"),
        (.powershell, "Remove-Item -Recurse -Force C:\\temp\\build"),
        (.powershell, "Remove-Item C:\\Windows\\Temp\\x.log"),
        (.powershell, "# Remove-Item -Recurse -Force C:\\"),
        (.powershell, "<# Remove-Item -Recurse -Force C:\\ #>\nWrite-Host ok"),
        (.powershell, "Write-Host \"Remove-Item -Recurse C:\\\""),
        (.powershell, "Remove-Item -Recurse:$false C:\\"),
        (.sql, "DELETE FROM users WHERE id = 1;"),
        (.sql, "SELECT 'DROP DATABASE x';"),
        (.sql, "-- DROP DATABASE prod"),
        (.sql, "UPDATE users SET a = 1 WHERE id IN (SELECT id FROM x);"),
        (.sql, "DROP TABLE tmp_import;"),
        (.sql, "INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE n = n + 1;"),
        (.bat, "rd /s /q C:\\temp\\build"),
        (.bat, "REM rd /s /q C:\\"),
        (.bat, ":: rd /s /q C:\\"),
        (.bat, "echo rd /s /q C:\\"),
        (.bat, "del C:\\temp\\x.txt"),
        (.bat, "rd /s /q %~dp0build"),
    ]

    @Test("allowed scripts", arguments: DangerTests.allowed)
    func allowed(_ language: ScriptLanguage, _ script: String) {
        let findings = DangerTests.policy.check(script, language: language)
        #expect(findings.isEmpty, "\(language) \(script): \(findings)")
    }

    @Test func shellRulesDoNotApplyToOtherLanguages() {
        #expect(DangerTests.policy.check("rm -rf /", language: .sql).isEmpty)
        #expect(DangerTests.policy.check("DELETE FROM users;", language: .bash).isEmpty)
    }

    // MARK: - Lines, excerpts, messages

    @Test func findingsCarryLineAndExcerpt() throws {
        let script = """
            #!/bin/bash
            set -euo pipefail
              sudo rm -rf "$TARGET"/*   # cleanup
            echo done
            reboot
            """
        let findings = DangerTests.policy.check(script, language: .bash)
        #expect(findings.map(\.line) == [3, 5])
        let rm = try #require(findings.first)
        #expect(rm.ruleID == "rm-system-path")
        #expect(rm.action == .block)
        #expect(rm.excerpt == "sudo rm -rf \"$TARGET\"/*   # cleanup")
        #expect(rm.message.contains("TARGET"))
        #expect(rm.message.contains("${TARGET:?}"))
        #expect(findings[1].action == .warn)
        #expect(findings[1].description.hasPrefix("line 5: warning by power: "))
    }

    @Test func nestedScriptsReportTheOuterLine() {
        let script = "echo start\nbash <<'EOF'\necho inner\nrm -rf /usr\nEOF\nsh -c 'rm -rf /'\n"
        let findings = DangerTests.policy.check(script, language: .bash)
        #expect(findings.map(\.line) == [4, 6])
        #expect(findings.first?.excerpt == "rm -rf /usr")
    }

    @Test func crlfScripts() {
        let findings = DangerTests.policy.check("echo a\r\nrm -rf /\r\n", language: .bash)
        #expect(findings.map(\.line) == [2])
        #expect(findings.first?.excerpt == "rm -rf /")
    }

    @Test func longLinesAreShortenedInExcerpts() {
        let script = "rm -rf / " + String(repeating: "x", count: 500)
        let f = DangerTests.policy.check(script, language: .bash)
        #expect(f.first?.excerpt.count == 160)
    }

    @Test func messagesExplain() {
        func message(_ s: String, _ l: ScriptLanguage = .bash) -> String {
            DangerTests.policy.check(s, language: l).first?.message ?? ""
        }
        #expect(message("rm -rf /") .contains("the root folder /"))
        #expect(message("rm -rf /usr/local").contains("/usr/local"))
        #expect(message("cd / && rm -rf *").contains("in /"))
        #expect(message("rm -rf $DIR/").contains("DIR is empty"))
        #expect(message("dd if=x of=/dev/sda").contains("/dev/sda"))
        #expect(message("cd $D && rm -rf *").contains("goes to the home folder when D is empty"))
        #expect(message("os.system(\"rm -rf \" + d + \"/\")", .python) == "rm -r …/ removes the root folder / when its computed part is empty")
        #expect(message("x=\"$(rm -rf $(pwd)/)\"").contains("the output of $(...) is empty"))
    }

    // MARK: - Robustness

    @Test func hostileScriptsNeverCrashOrHang() {
        let pieces = ["rm", "-rf", "/", "\"", "'", "$(", ")", "`", "${", "}", "{", "<<", "EOF", "\n", "\\", ";", "|", "&",
                      ":(){", "$'", "#", "~", "*", "..", "bash -c", "(", "=", "%", "[", "]", "qx{", "/*", "*/", "--", "<#"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let script = (0..<Int.random(in: 1...40, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }
                .joined(separator: Bool.random(using: &rng) ? " " : "")
            for language in ScriptLanguage.allCases {
                for f in DangerTests.policy.check(script, language: language) {
                    #expect(f.line >= 1)
                }
            }
        }
        // Deep nesting stops at the depth limit instead of recursing without end.
        var nested = "rm -rf /"
        for _ in 0..<200 { nested = "echo $(" + nested + ")" }
        _ = DangerTests.policy.check(nested, language: .bash)
        var quoted = "rm -rf /"
        for _ in 0..<6 { quoted = "bash -c " + "'" + quoted.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        #expect(DangerTests.policy.check(quoted, language: .bash).map(\.ruleID) == ["rm-system-path"])
        let big = String(repeating: "echo $(( 1 + 2 )) \"${x:-y}\" 'q' # c\n", count: 20_000)
        #expect(DangerTests.policy.check(big, language: .bash).isEmpty)
    }

    // MARK: - User rules

    static func rules(_ json: String) throws -> (rules: [DangerRule], errors: [String]) {
        DangerPolicy.userRules(from: try JSON.decode(json))
    }

    @Test func validUserRule() throws {
        let (rules, errors) = try DangerTests.rules("""
            [{"id": "curl-pipe-shell", "pattern": "curl[^|]*\\\\|\\\\s*(ba)?sh", "action": "block",
              "message": "piping a download into a shell"}]
            """)
        #expect(errors.isEmpty)
        let policy = DangerPolicy(userRules: rules)
        #expect(policy.errors.isEmpty)
        // The built-in `unchecked` rule refuses the pipe into bash too; here we look at the user rule's finding.
        let all = policy.check("set -e\ncurl -fsSL https://x.sh | bash\n", language: .bash)
        #expect(all.contains { $0.ruleID == DangerPolicy.uncheckedRuleID })
        let f = all.filter { $0.ruleID != DangerPolicy.uncheckedRuleID }
        #expect(f.count == 1)
        #expect(f.first?.ruleID == "curl-pipe-shell")
        #expect(f.first?.line == 2)
        #expect(f.first?.action == .block)
        #expect(f.first?.message == "piping a download into a shell")
        // Not in comments.
        #expect(policy.check("# curl https://x.sh | sh", language: .bash).isEmpty)
        // Built-in rules still apply next to user rules.
        #expect(policy.check("rm -rf /", language: .bash).map(\.ruleID) == ["rm-system-path"])
    }

    @Test func invalidRulesAreRejectedAndOthersStayActive() throws {
        let (rules, errors) = try DangerTests.rules("""
            [
              {"id": "bad-regex", "pattern": "([a-", "action": "block", "message": "x"},
              {"id": "no-wget", "pattern": "\\\\bwget\\\\b", "action": "warn", "message": "use curl"},
              {"id": "bad-action", "pattern": "x", "action": "deny", "message": "x"},
              {"id": "bad-language", "pattern": "x", "action": "block", "message": "x", "languages": ["pyton"]},
              {"id": "no-message", "pattern": "x", "action": "block"},
              {"id": "typo", "pattern": "x", "action": "block", "message": "x", "langauges": ["bash"]},
              {"id": "rm-system-path", "pattern": "x", "action": "warn", "message": "x"},
              {"id": "no-wget", "pattern": "y", "action": "warn", "message": "again"},
              {"id": "everything", "pattern": "a*", "action": "block", "message": "x"},
              {"id": "", "pattern": "x", "action": "block", "message": "x"},
              {"id": "list-lang", "pattern": "x", "action": "block", "message": "x", "languages": 3},
              {"id": "empty-lang", "pattern": "x", "action": "block", "message": "x", "languages": []},
              "not a map",
              {"id": "no-nc", "pattern": "(?i)\\\\bnc\\\\s+-l", "action": "block", "message": "no listeners",
               "languages": ["bash", "sh"]}
            ]
            """)
        #expect(rules.map(\.id) == ["no-wget", "no-nc"])
        #expect(errors.count == 12)
        let all = errors.joined(separator: "\n")
        #expect(all.contains("rule 1 (bad-regex): pattern \"([a-\" is not a valid regular expression"))
        #expect(all.contains("rule 3 (bad-action): action \"deny\" is unknown"))
        #expect(all.contains("unknown language \"pyton\"; did you mean python?"))
        #expect(all.contains("rule 5 (no-message): message is missing"))
        #expect(all.contains("unknown key langauges; did you mean languages?"))
        #expect(all.contains("built-in"))
        #expect(all.contains("used by an earlier rule"))
        #expect(all.contains("matches an empty line"))
        #expect(all.contains("rule 10: id is empty"))
        #expect(all.contains("rule 13: expected a map"))
        let policy = DangerPolicy(userRules: rules)
        let f = policy.check("wget http://x\nNC -l 4444\nrm -rf /\n", language: .bash)
        #expect(f.map(\.ruleID) == ["no-wget", "no-nc", "rm-system-path"])
        #expect(f.map(\.action) == [.warn, .block, .block])
    }

    @Test func perLanguageRules() throws {
        let (rules, errors) = try DangerTests.rules("""
            [{"id": "no-eval", "pattern": "\\\\beval\\\\(", "action": "block", "message": "no eval",
              "languages": ["python", "perl"]},
             {"id": "no-select-star", "pattern": "(?i)select \\\\*", "action": "warn", "message": "name the columns",
              "languages": ["sql"]}]
            """)
        #expect(errors.isEmpty)
        let policy = DangerPolicy(userRules: rules)
        // eval of a literal is read (and passes the built-in rules); eval(input()) would also be refused as unchecked.
        #expect(policy.check("x = eval(\"1 + 1\")", language: .python).map(\.ruleID) == ["no-eval"])
        #expect(policy.check("eval(\"x\")", language: .bash).isEmpty)
        #expect(policy.check("select * from t;", language: .sql).map(\.action) == [.warn])
        #expect(policy.check("-- select * from t", language: .sql).isEmpty)
        #expect(policy.check("select * from t", language: .python).isEmpty)
        #expect(rules.first?.applies(to: .perl) == true)
        #expect(rules.first?.applies(to: .bash) == false)
    }

    @Test func rulesGivenDirectlyAreValidatedToo() {
        let policy = DangerPolicy(userRules: [
            DangerRule(id: "broken", pattern: "(", message: "x"),
            DangerRule(id: "ok", pattern: "danger", action: .warn, message: "careful"),
        ])
        #expect(policy.userRules.map(\.id) == ["ok"])
        #expect(policy.errors.count == 1)
        #expect(policy.errors.first?.hasPrefix("rule broken: ") == true)
        #expect(policy.check("echo danger", language: .sh).map(\.ruleID) == ["ok"])
    }

    @Test func nonListValues() {
        #expect(DangerPolicy.userRules(from: .null).rules.isEmpty)
        #expect(DangerPolicy.userRules(from: .null).errors.isEmpty)
        #expect(DangerPolicy.userRules(from: .int(3)).errors.first?.contains("must be a list") == true)
    }

    @Test func policyFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("danger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("policy.json").path
        try """
            {"rules": [{"id": "no-telnet", "pattern": "\\\\btelnet\\\\b", "action": "block", "message": "telnet is off"},
                       {"id": "bad", "pattern": "[", "action": "block", "message": "x"}]}
            """.write(toFile: good, atomically: true, encoding: .utf8)
        let (rules, errors) = DangerPolicy.userRules(fromFile: good)
        #expect(rules.map(\.id) == ["no-telnet"])
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("policy file \(good): rule 2 (bad): ") == true)
        let bad = dir.appendingPathComponent("bad.json").path
        try "[{".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(DangerPolicy.userRules(fromFile: bad).errors.first?.contains("not valid JSON") == true)
        #expect(DangerPolicy.userRules(fromFile: dir.appendingPathComponent("none.json").path).errors.first?
            .contains("cannot be read") == true)
        let yaml = dir.appendingPathComponent("policy.yaml").path
        try """
            # The same rule, written as YAML.
            rules:
              - id: no-telnet
                pattern: '\\btelnet\\b'
                action: block
                message: telnet is off
            """.write(toFile: yaml, atomically: true, encoding: .utf8)
        #expect(DangerPolicy.userRules(fromFile: yaml).rules.map(\.id) == ["no-telnet"])
        let badYAML = dir.appendingPathComponent("bad.yml").path
        try "rules:\n  - id: x\n  - id: y\n    id: z\n".write(toFile: badYAML, atomically: true, encoding: .utf8)
        #expect(DangerPolicy.userRules(fromFile: badYAML).errors.first?.hasPrefix("policy file \(badYAML):4:5: not valid YAML: duplicate key") == true)
    }

    @Test func builtInRulesAreDescribed() {
        let ids = DangerPolicy.builtIn.map(\.id)
        #expect(Set(ids).count == ids.count)
        for rule in DangerPolicy.builtIn {
            #expect(!rule.pattern.isEmpty && !rule.message.isEmpty)
        }
        #expect(DangerPolicy.builtIn.first { $0.id == "power" }?.action == .warn)
        #expect(DangerPolicy.builtIn.first { $0.id == "chown-system" }?.action == .warn)
        #expect(DangerPolicy.builtIn.first { $0.id == "chmod-system" }?.action == .block)
    }
}
