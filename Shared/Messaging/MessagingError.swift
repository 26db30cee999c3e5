/// The one error type of the Messaging module.
public struct MessagingError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The message can never be handled as it is: it goes to the DLQ at once.
        public static let undecodable = Code(name: "undecodable")
        public static let noHandler = Code(name: "noHandler")
        public static let invalidEvent = Code(name: "invalidEvent")
        public var description: String { name }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    /// Retrying will not help.
    public var isPoison: Bool { code == .undecodable || code == .noHandler }
}
