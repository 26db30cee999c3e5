import Foundation
import Testing

@testable import Notifications

/// Standard Webhooks signatures and where webhooks may point.
@Suite struct WebhookSignatureTests {
    /// The Standard Webhooks specification's own example.
    @Test func signatureMatchesTheStandardsExample() {
        let key = Subscription.signingKey(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let headers = WebhookSender.signatureHeaders(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8), key: key)
        #expect(headers.first { $0.0 == "webhook-signature" }?.1 == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(headers.first { $0.0 == "webhook-id" }?.1 == "msg_p5jXN8AQM9LWM0D4loKWxJek")
        #expect(headers.first { $0.0 == "webhook-timestamp" }?.1 == "1614265330")
    }

    static let internalAddresses: [[UInt8]] = [
        [127, 0, 0, 1], [10, 1, 2, 3], [172, 16, 0, 1], [172, 31, 255, 255], [192, 168, 1, 1], [169, 254, 169, 254], [0, 0, 0, 0],
        [100, 64, 0, 1], [224, 0, 0, 1], [255, 255, 255, 255], [198, 18, 0, 1],
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],  // ::1
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1],  // ::ffff:127.0.0.1
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1],  // ::ffff:10.0.0.1
        [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],  // fd00::1
        [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],  // fe80::1
    ]
    static let publicAddresses: [[UInt8]] = [
        [8, 8, 8, 8], [172, 32, 0, 1], [192, 169, 0, 1], [100, 128, 0, 1], [1, 1, 1, 1],
        [0x2a, 0x00, 0x14, 0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    ]

    @Test(arguments: internalAddresses) func internalAddressesAreRefused(_ address: [UInt8]) {
        #expect(WebhookAddress.isInternal(address))
    }

    @Test(arguments: publicAddresses) func publicAddressesAreAllowed(_ address: [UInt8]) {
        #expect(!WebhookAddress.isInternal(address))
    }

    @Test func urlsMustBeHTTPWithAHostAndNoCredentials() {
        #expect(WebhookAddress.problems(of: "https://partner.example/hook").isEmpty)
        #expect(!WebhookAddress.problems(of: "ftp://partner.example/hook").isEmpty)
        #expect(!WebhookAddress.problems(of: "https://user:pw@partner.example/hook").isEmpty)
        #expect(!WebhookAddress.problems(of: "not a url").isEmpty)
        #expect(!WebhookAddress.problems(of: "https:///nohost").isEmpty)
    }

    @Test(arguments: ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/hook", "http://10.0.0.1/", "http://0x7f000001/"])
    func internalHostsAreRefusedWhenResolved(_ url: String) async {
        #expect(await WebhookSender.internalAddress(of: url) != nil, "\(url)")
    }
}
