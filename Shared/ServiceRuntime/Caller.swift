import Events
import HTTPTypes
import Hummingbird

extension ServiceRequestContext {
    /// The authenticated caller; routes behind ``TokenAuthenticator`` always have one.
    public func requireCaller() throws -> Caller {
        guard let caller else {
            throw HTTPProblem(.unauthorized, type: "unauthenticated", detail: "This endpoint needs a caller.")
        }
        return caller
    }
}
