/// A record that one artifact's bits passed acceptance in one environment: the gates look for these by
/// digest, so an acceptance of `1.4.0-alpha.3` also counts for `1.4.0-beta.1` promoted from it (same bits).
public struct Acceptance: Hashable, Sendable {
    public let app: String
    /// The version named when it was accepted.
    public let version: String
    /// `sha256:<hex>` of the accepted bits.
    public let digest: String
    public let environment: Environment
    public let who: String
    /// Seconds since 1970.
    public let at: Double
    /// `sha256:<hex>` of the evidence file (a test report), if one was given.
    public let evidenceDigest: String?

    public init(app: String, version: String, digest: String, environment: Environment, who: String, at: Double,
                evidenceDigest: String? = nil) {
        self.app = app
        self.version = version
        self.digest = digest
        self.environment = environment
        self.who = who
        self.at = at
        self.evidenceDigest = evidenceDigest
    }
}
