import CCurl
import Foundation
import NIOPosix

/// Sends mails to an SMTP server with libcurl (Debian's libcurl4-openssl-dev): the SMTP
/// conversation, STARTTLS when the server offers it (`smtps://` for implicit TLS), AUTH and
/// dot-stuffing are libcurl's. Its calls block, so each send runs on a thread pool of the
/// mailer's own (one thread per concurrent send: a send never queues behind another), never on
/// the cooperative pool or an event loop. This file is the only one that sees a C pointer of
/// libcurl.
struct SMTPMailer: Sendable {
    struct Configuration: Sendable, Equatable {
        /// `smtp://host:port` or `smtps://host:port`.
        var url: String
        var username: String?
        var password: String?
        var timeout: Duration
    }

    let configuration: Configuration
    private let pool: NIOThreadPool

    init(configuration: Configuration, threads: Int) {
        _ = Self.globalInit
        self.configuration = configuration
        self.pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    /// Stops the threads (after the last send).
    func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    /// libcurl's global state, set up once before any handle (it is not thread-safe to race it).
    private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Hands the message to the server: delivered once it answered 250 to the data; a 5xx is
    /// permanent; anything else (no connection, a timeout, a 4xx) is worth another attempt.
    func send(_ message: MailMessage) async -> Delivery.Outcome {
        let configuration = self.configuration
        do {
            return try await pool.runIfActive {
                Self.perform(message, configuration: configuration)
            }
        } catch {
            return .transient("the SMTP thread pool is not running: \(error)")
        }
    }

    /// The bytes of one upload and how far libcurl has read them.
    private final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    private static func perform(_ message: MailMessage, configuration: Configuration) -> Delivery.Outcome {
        // The error buffer lives until after the handle's cleanup (curl keeps the pointer).
        let errors = UnsafeMutablePointer<CChar>.allocate(capacity: Int(COE_CURL_ERROR_SIZE) + 1)
        errors.initialize(repeating: 0, count: Int(COE_CURL_ERROR_SIZE) + 1)
        defer { errors.deallocate() }
        guard let curl = curl_easy_init() else { return .transient("libcurl could not make a handle") }
        defer { curl_easy_cleanup(curl) }
        let upload = Upload(Array(message.rendered().utf8))
        let recipients: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "<\(message.to.safeAddress)>")
        defer { curl_slist_free_all(recipients) }
        let readCallback: coe_curl_read_callback = { buffer, size, count, context in
            guard let buffer, let context else { return 0 }
            let upload = Unmanaged<Upload>.fromOpaque(context).takeUnretainedValue()
            let length = min(size * count, upload.bytes.count - upload.offset)
            guard length > 0 else { return 0 }
            upload.bytes.withUnsafeBufferPointer { source in
                UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + upload.offset, byteCount: length)
            }
            upload.offset += length
            return length
        }
        let milliseconds = Int(configuration.timeout.components.seconds * 1000 + configuration.timeout.components.attoseconds / 1_000_000_000_000_000)
        let code: CURLcode = withExtendedLifetime(upload) {
            do {
                var status = coe_curl_set_string(curl, COE_CURLOPT_URL, configuration.url)
                func set(_ result: CURLcode) { if status == CURLE_OK { status = result } }
                set(coe_curl_set_string(curl, COE_CURLOPT_PROTOCOLS_STR, "smtp,smtps"))
                set(coe_curl_set_string(curl, COE_CURLOPT_MAIL_FROM, "<\(senderAddress(message))>"))
                set(coe_curl_set_list(curl, COE_CURLOPT_MAIL_RCPT, recipients))
                if let username = configuration.username { set(coe_curl_set_string(curl, COE_CURLOPT_USERNAME, username)) }
                if let password = configuration.password { set(coe_curl_set_string(curl, COE_CURLOPT_PASSWORD, password)) }
                // With credentials, TLS or nothing: a stripped STARTTLS must not expose the password.
                set(coe_curl_set_long(curl, COE_CURLOPT_USE_SSL, configuration.username == nil ? COE_CURLUSESSL_TRY : COE_CURLUSESSL_ALL))
                set(coe_curl_set_long(curl, COE_CURLOPT_UPLOAD, 1))
                set(coe_curl_set_read_function(curl, readCallback))
                set(coe_curl_set_pointer(curl, COE_CURLOPT_READDATA, Unmanaged.passUnretained(upload).toOpaque()))
                set(coe_curl_set_long(curl, COE_CURLOPT_INFILESIZE, upload.bytes.count))
                set(coe_curl_set_long(curl, COE_CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, 10_000)))
                set(coe_curl_set_long(curl, COE_CURLOPT_TIMEOUT_MS, milliseconds))
                set(coe_curl_set_long(curl, COE_CURLOPT_NOSIGNAL, 1))  // no SIGALRM in a threaded process
                set(coe_curl_set_pointer(curl, COE_CURLOPT_ERRORBUFFER, errors))
                guard status == CURLE_OK else { return status }
                return curl_easy_perform(curl)
            }
        }
        var response: Int = 0
        _ = coe_curl_response_code(curl, &response)
        if code == CURLE_OK { return .delivered }
        let message = String(cString: errors)
        let detail = message.isEmpty ? String(cString: curl_easy_strerror(code)) : message
        let text = "SMTP \(response > 0 ? "\(response) " : "")\(detail) (curl \(code.rawValue))"
        // Refusals of this mail or address are final; a server-wide 5xx (bad credentials,
        // TLS required, relaying denied) is the operator's to fix, so the mail waits for it.
        return [550, 551, 552, 553].contains(response) ? .permanent(text) : .transient(text)
    }

    private static func senderAddress(_ message: MailMessage) -> String { message.from.address }
}
