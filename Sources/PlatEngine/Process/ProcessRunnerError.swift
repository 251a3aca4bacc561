import Foundation

/// Why `ProcessRunner.run` could not start a child. A child that started and then failed is not an error:
/// its exit code is in the `ProcessResult`.
public enum ProcessRunnerError: Error, CustomStringConvertible, Equatable {
    /// The program does not exist: not on PATH, or the path given does not name a file.
    case notFound(String, hint: String)
    /// The program exists but could not be started (not executable, bad working directory, bad argument...).
    /// The string says what was being done; `errno` is the C error.
    case spawnFailed(String, errno: Int32)

    /// One line saying what went wrong, without the hint.
    public var message: String {
        switch self {
        case .notFound(let name, _):
            if name.contains("/") { return "\(name): no such file" }
            return "\(name) not found on PATH"
        case .spawnFailed(let what, let code):
            return "\(what): \(String(cString: strerror(code)))"
        }
    }

    /// What the user can do about it, if there is a useful suggestion.
    public var hint: String? {
        switch self {
        case .notFound(_, let hint): return hint.isEmpty ? nil : hint
        case .spawnFailed: return nil
        }
    }

    public var description: String {
        if let hint { return "\(message) (hint: \(hint))" }
        return message
    }

    /// The hint for a program that is not on PATH: the Debian package to install when we know it.
    static func notFoundHint(program: String, searchPath: String) -> String {
        let shownPath = searchPath.count <= 200 ? searchPath : String(searchPath.prefix(200)) + "..."
        if let package = debianPackages[program] {
            return "install it with `apt-get install \(package)`, or add its directory to PATH (\(shownPath))"
        }
        return "check the spelling and PATH (\(shownPath)); `apt-file search bin/\(program)` names the "
            + "Debian package that provides it"
    }

    /// Commands a workflow commonly runs, and the Debian package that provides each.
    private static let debianPackages: [String: String] = {
        var table: [String: String] = [:]
        let groups: [(String, [String])] = [
            ("bash", ["bash"]), ("dash", ["sh", "dash"]), ("zsh", ["zsh"]),
            ("coreutils", ["cat", "cp", "mv", "rm", "ls", "mkdir", "env", "sleep", "timeout", "true", "false",
                           "echo", "head", "tail", "sort", "uniq", "wc", "date", "tee", "chmod", "chown",
                           "stat", "sha256sum", "md5sum", "base64", "nohup", "dd", "du", "df", "touch"]),
            ("util-linux", ["setsid", "flock", "kill", "lsblk", "mount", "su"]),
            ("procps", ["ps", "pkill", "pgrep", "top", "free", "watch", "uptime"]),
            ("findutils", ["find", "xargs"]), ("grep", ["grep"]), ("sed", ["sed"]), ("gawk", ["awk", "gawk"]),
            ("python3", ["python3"]), ("python-is-python3", ["python"]), ("perl", ["perl"]),
            ("ruby", ["ruby"]), ("nodejs", ["node"]), ("npm", ["npm"]), ("golang-go", ["go"]),
            ("default-jre", ["java"]), ("git", ["git"]), ("curl", ["curl"]), ("wget", ["wget"]),
            ("openssh-client", ["ssh", "scp", "sftp", "ssh-keygen", "ssh-agent"]), ("rsync", ["rsync"]),
            ("jq", ["jq"]), ("sqlite3", ["sqlite3"]), ("make", ["make"]), ("gcc", ["gcc", "cc"]),
            ("g++", ["g++"]), ("clang", ["clang"]), ("tar", ["tar"]), ("gzip", ["gzip", "gunzip", "zcat"]),
            ("bzip2", ["bzip2"]), ("xz-utils", ["xz"]), ("zstd", ["zstd"]), ("zip", ["zip"]),
            ("unzip", ["unzip"]), ("iproute2", ["ip", "ss"]), ("iputils-ping", ["ping"]),
            ("bind9-dnsutils", ["dig", "nslookup"]), ("netcat-openbsd", ["nc"]), ("openssl", ["openssl"]),
            ("gnupg", ["gpg"]), ("docker.io", ["docker"]), ("systemd", ["systemctl", "journalctl"]),
            ("sudo", ["sudo"]), ("file", ["file"]), ("lsof", ["lsof"]), ("strace", ["strace"]),
            ("default-mysql-client", ["mysql"]), ("postgresql-client", ["psql"]), ("redis-tools", ["redis-cli"]),
            ("gettext-base", ["envsubst"]), ("hostname", ["hostname"]), ("ansible", ["ansible"]),
        ]
        for (package, commands) in groups {
            for command in commands { table[command] = package }
        }
        return table
    }()
}
