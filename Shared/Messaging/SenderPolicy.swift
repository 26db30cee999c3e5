import Events

/// Who may have sent an event, as a consumer checks it before any handler runs.
///
/// RabbitMQ guarantees that a present AMQP `user_id` is the publishing connection's user;
/// this policy requires it and compares it with the broker user of the event type's owner.
/// Operators replay unrouted events under their own user: their copies carry the original
/// sender in the `x-coe-sender` header, believed from them only (``relays``). The consuming
/// service's own copies (retries, parking, DLQ replays) are vouched for by the service's
/// own record of them, not by a header (``EventConsumer``).
public struct SenderPolicy: Sendable, Equatable {
    /// The header that carries the original sender on a copy a relay published.
    public static let senderHeader = "x-coe-sender"

    /// The broker user of each service; a service not listed publishes as its own name.
    public var users: [ServiceName: String]
    /// Broker users whose copies keep the original sender in ``senderHeader``: operators.
    public var relays: Set<String>

    public init(users: [ServiceName: String] = [:], relays: Set<String> = []) {
        self.users = users
        self.relays = relays
    }

    /// The broker user a service publishes as.
    public func user(of service: ServiceName) -> String { users[service] ?? service.rawValue }

    /// Who originally sent a message: the relay's copy names it in the header (empty when the
    /// original had no `user_id`), anything else is its own `user_id`.
    public func sender(userID: String?, header: String?) -> String? {
        if let userID, relays.contains(userID), let header { return header.isEmpty ? nil : header }
        return userID
    }

    /// Why an event of `type` from `sender`, claiming `source`, must not be applied; nil when it may.
    public func refusal(type: String, source: String, sender: String?) -> String? {
        guard let eventType = EventType(rawValue: type) else {
            return "\(type) is not an event type of the catalogue"
        }
        let owner = eventType.owner
        guard let sender else {
            return "\(type) carries no AMQP user_id: its sender can't be verified (the owner, \(owner.rawValue), always sets it)"
        }
        let expected = user(of: owner)
        guard sender == expected else {
            return "\(type) was published by broker user '\(sender)', not by its owner \(owner.rawValue) ('\(expected)')"
        }
        guard source == owner.rawValue else {
            return "\(type) claims source '\(source)', but only \(owner.rawValue) publishes it"
        }
        return nil
    }
}
