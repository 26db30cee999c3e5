import Events
import Foundation

/// A partner system's webhook: the event types it wants, the URL they are posted to, and the
/// secret they are signed with (Standard Webhooks). One that keeps failing is suspended until
/// an admin resumes it; its deliveries wait meanwhile, so nothing is lost.
struct Subscription: Sendable, Equatable {
    enum Status: String, Sendable, Codable, CaseIterable {
        case active
        case suspended
        /// Removed by an admin: told nothing more, kept for the deliveries' history.
        case deleted

        var allowedActions: [String] {
            switch self {
            case .active: ["delete"]
            case .suspended: ["resume", "delete"]
            case .deleted: []
            }
        }
    }

    var id: UUID
    var url: String
    var eventTypes: [EventType]
    var description: String?
    /// `whsec_` and the base64 of the signing key; shown once, when the subscription is made.
    var secret: String
    var status: Status
    /// Failed attempts in a row; a success resets it.
    var consecutiveFailures: Int
    var suspendedAt: Date?
    var lastError: String?
    var createdBy: String
    var createdAt: Date
    var updatedAt: Date

    /// Whether an event of this type is posted to it now or, while it is suspended, kept for it.
    func receives(_ type: EventType) -> Bool {
        status != .deleted && eventTypes.contains(type)
    }

    /// A new subscription, active, with a fresh secret of 32 random bytes.
    static func make(url: String, eventTypes: [EventType], description: String?, by actor: String, at time: Date) -> Subscription {
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Subscription(
            id: UUID(), url: url, eventTypes: eventTypes, description: description, secret: "whsec_" + Data(key).base64EncodedString(),
            status: .active, consecutiveFailures: 0, suspendedAt: nil, lastError: nil, createdBy: actor, createdAt: time, updatedAt: time)
    }

    /// The key HMACs are made with: the secret's base64 part, decoded.
    var signingKey: [UInt8] { Self.signingKey(secret: secret) }

    static func signingKey(secret: String) -> [UInt8] {
        [UInt8](Data(base64Encoded: String(secret.dropFirst("whsec_".count))) ?? Data(secret.utf8))
    }

    /// An attempt failed: counted, and the subscription suspended once `threshold` fail in a row.
    /// Returns whether this failure suspended it.
    mutating func recordFailure(_ error: String, threshold: Int, at time: Date) -> Bool {
        consecutiveFailures += 1
        lastError = error
        updatedAt = time
        guard status == .active, consecutiveFailures >= threshold else { return false }
        status = .suspended
        suspendedAt = time
        return true
    }

    /// An attempt succeeded: the count of failures starts again.
    mutating func recordSuccess(at time: Date) {
        consecutiveFailures = 0
        updatedAt = time
    }

    /// An admin resumes a suspended subscription: its waiting deliveries go out again.
    mutating func resume(at time: Date) throws(NotificationError) {
        guard status == .suspended else {
            throw .invalidState(
                state: status.rawValue, allowed: status.allowedActions,
                detail: "Subscription \(id.lowercased) is \(status.rawValue); only a suspended subscription is resumed.")
        }
        status = .active
        consecutiveFailures = 0
        suspendedAt = nil
        updatedAt = time
    }

    /// An admin removes it; its waiting deliveries are suppressed.
    mutating func delete(at time: Date) throws(NotificationError) {
        guard status != .deleted else {
            throw .invalidState(state: status.rawValue, allowed: [], detail: "Subscription \(id.lowercased) is deleted already.")
        }
        status = .deleted
        updatedAt = time
    }
}

/// Where a webhook may point. Internal addresses (loopback, private ranges, link-local, the
/// cloud metadata address, multicast) are refused unless configuration allows them: a
/// subscription must not turn the service into a way into the network it runs in (SSRF).
enum WebhookAddress {
    /// Whether an IPv4 or IPv6 address (4 or 16 bytes, network order) is internal.
    static func isInternal(_ bytes: [UInt8]) -> Bool {
        if bytes.count == 4 { return isInternalV4(bytes[0], bytes[1], bytes[2], bytes[3]) }
        guard bytes.count == 16 else { return true }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return isInternalV4(bytes[12], bytes[13], bytes[14], bytes[15])  // ::ffff:a.b.c.d
        }
        if bytes[0..<12].allSatisfy({ $0 == 0 }) { return true }  // ::, ::1 and the old IPv4-compatible form
        if bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b {
            return isInternalV4(bytes[12], bytes[13], bytes[14], bytes[15])  // NAT64 64:ff9b::/96
        }
        if bytes[0] & 0xfe == 0xfc { return true }  // unique local fc00::/7
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return true }  // link-local fe80::/10
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0xc0 { return true }  // site-local fec0::/10
        if bytes[0] == 0xff { return true }  // multicast
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0d && bytes[3] == 0xb8 { return true }  // documentation
        return false
    }

    private static func isInternalV4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Bool {
        switch (a, b) {
        case (0, _), (10, _), (127, _): return true
        case (100, 64...127): return true  // carrier-grade NAT
        case (169, 254): return true  // link-local, cloud metadata
        case (172, 16...31): return true
        case (192, 168): return true
        case (192, 0): return c == 0 || c == 2  // IETF protocol assignments, TEST-NET-1
        case (198, 18...19): return true  // benchmarking
        case (198, 51): return c == 100  // TEST-NET-2
        case (203, 0): return c == 113  // TEST-NET-3
        default: return a >= 224  // multicast, reserved, broadcast
        }
    }

    /// The URL's own rules: http or https, a host, no credentials, no fragment; each problem named.
    static func problems(of text: String) -> [String] {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return ["must be an absolute http or https URL"]
        }
        var problems: [String] = []
        if scheme != "http" && scheme != "https" { problems.append("must use http or https, not \(scheme)") }
        if (components.host ?? "").isEmpty { problems.append("must name a host") }
        if components.user != nil || components.password != nil { problems.append("must not carry credentials: the signature authenticates") }
        if components.fragment != nil { problems.append("must not have a fragment") }
        return problems
    }
}
