/// The one error type of the Messaging module.
public struct MessagingError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The message can never be handled as it is: it goes to the DLQ at once.
        public static let undecodable = Code(name: "undecodable")
        /// The receiver's state contradicts the event (a domain rule refuses it): parked at once, never applied.
        public static let refused = Code(name: "refused")
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
    public var isPoison: Bool { code == .undecodable || code == .refused }
}
