import Foundation

/// What a dangerous-command rule does when it matches: stop the step before anything runs, or log a warning.
public enum DangerAction: String, Sendable {
    case block, warn
}

/// A dangerous-command rule. User rules match `pattern`, a regular expression (ICU syntax, `(?i)` for any case),
/// line by line against the script with its comments blanked. Built-in rules are code, not regexes: their
/// `pattern` describes what they look for.
public struct DangerRule: Sendable {
    public let id: String
    public let pattern: String
    /// The languages the rule applies to; nil for all of them.
    public let languages: Set<ScriptLanguage>?
    public let action: DangerAction
    public let message: String

    public init(id: String, pattern: String, languages: Set<ScriptLanguage>? = nil, action: DangerAction = .block,
                message: String) {
        self.id = id
        self.pattern = pattern
        self.languages = languages
        self.action = action
        self.message = message
    }

    /// Does the rule apply to scripts in this language?
    public func applies(to language: ScriptLanguage) -> Bool { languages?.contains(language) ?? true }
}

/// One match of a rule in a script.
public struct DangerFinding: Sendable, Equatable, CustomStringConvertible {
    public let ruleID: String
    public let action: DangerAction
    /// What was found, in words (`sudo rm -r / removes the root folder /`).
    public let message: String
    /// 1-based line in the script.
    public let line: Int
    /// The line's text, trimmed (and shortened past 160 characters).
    public let excerpt: String

    public init(ruleID: String, action: DangerAction, message: String, line: Int, excerpt: String) {
        self.ruleID = ruleID
        self.action = action
        self.message = message
        self.line = line
        self.excerpt = excerpt
    }

    /// `line 3: blocked by rm-system-path: rm -r / removes the root folder / (rm -rf /)`
    public var description: String {
        "line \(line): \(action == .block ? "blocked" : "warning") by \(ruleID): \(message) (\(excerpt))"
    }
}

extension DangerPolicy {
    private static let shells: Set<ScriptLanguage> = [.bash, .sh]
    /// Shell rules also run on the shell commands that Python and Perl scripts start.
    private static let shellsAndEmbedders: Set<ScriptLanguage> = [.bash, .sh, .python, .perl]

    /// The rules every policy has. Their ids are reserved: a user rule cannot reuse one.
    public static let builtIn: [DangerRule] = [
        DangerRule(id: "rm-system-path",
                   pattern: "rm -r/-R/--recursive (any flag order, through sudo/env/nice/command/xargs/timeout) on /, //, /*, "
                       + "top-level system folders and their children, ~ or $HOME, paths through .., $VAR/ that may be "
                       + "empty, or * and . after cd /",
                   languages: shellsAndEmbedders, action: .block,
                   message: "recursive delete of the root, a system folder or a home folder"),
        DangerRule(id: "format-disk", pattern: "mkfs, mkfs.*, mke2fs, wipefs; Format-Volume, Clear-Disk; format X:",
                   languages: [.bash, .sh, .python, .perl, .powershell, .bat], action: .block,
                   message: "erases a file system or a disk"),
        DangerRule(id: "dd-disk", pattern: "dd of=/dev/sd*|nvme*|vd*|xvd*|hd*|mmcblk*|md*|dm-*|disk/*|mapper/*; cp, shred, blkdiscard onto those",
                   languages: shellsAndEmbedders, action: .block, message: "writes raw data onto a disk device"),
        DangerRule(id: "redirect-disk", pattern: "> >> &> >| or tee onto a disk device (/dev/sda, /dev/nvme0n1...)",
                   languages: shellsAndEmbedders, action: .block, message: "redirects output onto a disk device"),
        DangerRule(id: "fork-bomb", pattern: "a function that starts two copies of itself (:(){ :|:& };:, f() { f | f & }); "
                       + "fork while fork; while True: os.fork()",
                   languages: shellsAndEmbedders, action: .block, message: "a fork bomb"),
        DangerRule(id: "chmod-system", pattern: "chmod -R on the paths of rm-system-path (chmod -R 777 /)",
                   languages: shellsAndEmbedders, action: .block, message: "recursive permission change of a system folder"),
        DangerRule(id: "chown-system", pattern: "chown -R or chgrp -R on the paths of rm-system-path",
                   languages: shellsAndEmbedders, action: .warn, message: "recursive owner change of a system folder"),
        DangerRule(id: "power", pattern: "shutdown, reboot, halt, poweroff, init 0/6, systemctl poweroff/reboot/halt; "
                       + "Stop-Computer, Restart-Computer",
                   languages: [.bash, .sh, .python, .perl, .powershell, .bat], action: .warn,
                   message: "stops or restarts the host"),
        DangerRule(id: "rmtree-system-path", pattern: "shutil.rmtree / rmtree / remove_tree on a system path",
                   languages: [.python, .perl], action: .block, message: "recursive delete of a system folder"),
        DangerRule(id: "remove-item-system-path", pattern: "Remove-Item -Recurse (rm, ri, del, rd...) on a drive root, "
                       + "a Windows system folder or a Unix system path",
                   languages: [.powershell], action: .block, message: "recursive delete of a drive or system folder"),
        DangerRule(id: "rd-system-path", pattern: "rd /s, rmdir /s, del /s on a drive root or a Windows system folder",
                   languages: [.bat], action: .block, message: "recursive delete of a drive or system folder"),
        DangerRule(id: "sql-drop-database", pattern: "DROP DATABASE, DROP SCHEMA",
                   languages: [.sql, .bash, .sh], action: .block, message: "deletes a whole database"),
        DangerRule(id: "sql-truncate", pattern: "TRUNCATE", languages: [.sql, .bash, .sh], action: .warn,
                   message: "deletes every row of a table"),
        DangerRule(id: "sql-delete-without-where", pattern: "DELETE without WHERE", languages: [.sql, .bash, .sh],
                   action: .warn, message: "deletes every row of a table"),
        DangerRule(id: "sql-update-without-where", pattern: "UPDATE without WHERE", languages: [.sql, .bash, .sh],
                   action: .warn, message: "changes every row of a table"),
        DangerRule(id: "unchecked", pattern: "what cannot be known before it runs: a command name from an unknown variable "
                       + "or a glob, eval of unknown text, text piped or fed into a shell or interpreter, source <(...), "
                       + "scripts nested past the checker's depth, SQL built at run time",
                   action: .block, message: "cannot be checked before it runs"),
    ]
}
