import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceRuntime

/// `/assets/coe.css` and `/assets/coe.js`: the one stylesheet and the small script of every
/// page, served by every service (the gateway sends `/assets/` to one of them).
struct AssetsController {
    static let files: [String: (type: String, data: Data)] = {
        var files: [String: (String, Data)] = [:]
        for (name, type) in [("coe.css", "text/css; charset=utf-8"), ("coe.js", "text/javascript; charset=utf-8")] {
            if let data = PageRenderer.asset(name) { files[name] = (type, data) }
        }
        return files
    }()

    func addRoutes(to router: Router<ServiceRequestContext>) {
        // Read from the bundle now, at start, not by the first request on the cooperative pool.
        let files = Self.files
        router.get("assets/{name}") { _, context -> Response in
            guard let name = context.parameters.get("name"), let file = files[name] else {
                throw HTTPProblem.notFound("The asset")
            }
            return Response(
                status: .ok, headers: [.contentType: file.type, .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(bytes: file.data)))
        }
    }
}
