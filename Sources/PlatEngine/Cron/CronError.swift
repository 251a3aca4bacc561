/// Why a cron expression was rejected: the expression, the field at fault (nil when the problem is the whole
/// expression, such as the field count or an unknown macro) and a reason that reads as one sentence.
///
/// `description` is what the user sees: `0 25 * * *: hour 25 out of range 0-23`.
public struct CronError: Error, CustomStringConvertible, Equatable, Sendable {
    public let expression: String
    public let field: String?
    public let reason: String

    public init(expression: String, field: String?, reason: String) {
        self.expression = expression
        self.field = field
        self.reason = reason
    }

    public var description: String { expression.isEmpty ? reason : "\(expression): \(reason)" }
}
