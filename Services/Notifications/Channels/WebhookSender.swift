import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Posts events to subscribers, signed the Standard Webhooks way: `webhook-id` (the delivery's
/// id, the same on every retry), `webhook-timestamp` (Unix seconds) and `webhook-signature:
/// v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the subscription's secret.
/// Redirects are not followed, and unless configuration allows it no internal address is
/// called: the host is resolved and checked before every attempt.
struct WebhookSender: Sendable {
    let client: HTTPClient
    let timeout: Duration
    let policy: WebhookPolicy

    /// The signature headers of a call.
    static func signatureHeaders(id: String, timestamp: Int, body: [UInt8], key: [UInt8]) -> [(String, String)] {
        var signed = Array("\(id).\(timestamp).".utf8)
        signed += body
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))
        return [
            ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", "v1," + Data(mac).base64EncodedString()),
        ]
    }

    func send(id: UUID, body: [UInt8], to url: String, key: [UInt8], at time: Date) async -> Delivery.Outcome {
        if let reason = await policy.refusal(of: url) { return .permanent(reason) }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "coe-notifications")
        for (name, value) in Self.signatureHeaders(id: id.lowercased, timestamp: Int(time.timeIntervalSince1970), body: body, key: key) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            // The status decides; the body is read only to free the connection, and no longer
            // than the timeout (the request's deadline ends with the head: a receiver trickling
            // its body must not hold the worker).
            await Self.drain(response, within: timeout)
            let code = Int(response.status.code)
            switch code {
            case 200..<300: return .delivered
            case 408, 429, 500..<600: return .transient("HTTP \(code) from \(url)")
            case 300..<400: return .permanent("HTTP \(code) from \(url): redirects are not followed")
            default: return .permanent("HTTP \(code) from \(url)")
            }
        } catch {
            return .transient("\(url): \(String(describing: error).prefix(300))")
        }
    }

    private static func drain(_ response: HTTPClientResponse, within limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = try? await response.body.collect(upTo: 64 * 1024) }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Why a URL's host is refused, when it is internal (loopback, a private range, link-local,
    /// …) or can't be resolved; nil when every address it resolves to is public.
    static func internalAddress(of url: String) async -> String? {
        guard let host = URLComponents(string: url)?.host, !host.isEmpty else { return "the URL has no host" }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let addresses: [[UInt8]]
        do {
            // Bounded: a resolver that does not answer must not hold the request. A blocking
            // getaddrinfo can't be cancelled, so the lookup and a timer race, unstructured, and
            // the first to finish answers; the lookup is left to end on its own.
            addresses = try await withCheckedThrowingContinuation { continuation in
                let answer = FirstAnswer(continuation)
                Task {
                    do {
                        answer.give(.success(try await NIOThreadPool.singleton.runIfActive { try resolve(bare) }))
                    } catch {
                        answer.give(.failure(error))
                    }
                }
                Task {
                    try? await Task.sleep(for: .seconds(3))
                    answer.give(.failure(ResolutionError(description: "no answer within 3 s")))
                }
            }
        } catch {
            return "the host \(host) can't be resolved: \(error)"
        }
        if addresses.isEmpty { return "the host \(host) resolves to no address" }
        if addresses.contains(where: WebhookAddress.isInternal) {
            return "\(host) is an internal address (loopback, private, link-local or reserved); set COE_WEBHOOK_ALLOW_INTERNAL=true to allow it"
        }
        return nil
    }

    struct ResolutionError: Error, CustomStringConvertible {
        var description: String
    }

    /// Resumes a continuation with the first result it is given, once.
    final class FirstAnswer: Sendable {
        private let continuation: Mutex<CheckedContinuation<[[UInt8]], any Error>?>

        init(_ continuation: CheckedContinuation<[[UInt8]], any Error>) { self.continuation = Mutex(continuation) }

        func give(_ result: Result<[[UInt8]], any Error>) {
            let waiting = continuation.withLock { value -> CheckedContinuation<[[UInt8]], any Error>? in
                defer { value = nil }
                return value
            }
            waiting?.resume(with: result)
        }
    }

    /// Every address a host name (or literal) resolves to, as raw bytes.
    private static func resolve(_ host: String) throws -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        guard status == 0 else { throw ResolutionError(description: String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(result) }
        var addresses: [[UInt8]] = []
        var cursor = result
        while let info = cursor {
            if let address = info.pointee.ai_addr {
                switch Int32(address.pointee.sa_family) {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin_addr) { addresses.append(Array($0)) }
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { addresses.append(Array($0)) }
                    }
                default: break
                }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}

/// Where webhooks may go: by default any host that resolves to public addresses only;
/// `COE_WEBHOOK_ALLOW_INTERNAL=true` lifts that (a partner on the same network, the tests), and
/// `COE_WEBHOOK_HOSTS` restricts webhooks to the hosts it lists (checked before any lookup).
struct WebhookPolicy: Sendable {
    var allowInternal: Bool
    /// Lower-case host names or literals; nil for any.
    var allowedHosts: Set<String>?

    func refusal(of url: String) async -> String? {
        guard let host = URLComponents(string: url)?.host?.lowercased(), !host.isEmpty else { return "the URL has no host" }
        if let allowedHosts, !allowedHosts.contains(host) {
            return "\(host) is not among the hosts webhooks may call (COE_WEBHOOK_HOSTS)"
        }
        return allowInternal ? nil : await WebhookSender.internalAddress(of: url)
    }
}
