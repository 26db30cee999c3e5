import Events

/// An RFC 9457 problem as the services answer it, with the members they add: the fields in
/// `errors`, a state machine's `state` and `allowedActions`, a money rule's `rule` and `excess`.
public struct Problem: Codable, Sendable, Equatable {
    /// `https://coe-workflows.eu/problems/<name>`.
    public var type: String?
    public var title: String?
    public var status: Int?
    public var detail: String?
    public var instance: String?
    public var errors: [FieldProblem]?
    public var state: String?
    public var allowedActions: [String]?
    public var rule: String?
    /// By how much a request goes past a money rule: a decimal string.
    public var excess: String?

    public init(
        type: String? = nil, title: String? = nil, status: Int? = nil, detail: String? = nil, instance: String? = nil,
        errors: [FieldProblem]? = nil
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
        self.errors = errors
    }

    /// The last segment of `type` (`validation`, `invalid-state`, `four-eyes`), what a caller branches on.
    public var name: String? {
        type.flatMap { $0.split(separator: "/").last.map(String.init) }
    }
}
