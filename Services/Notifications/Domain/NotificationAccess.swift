import Events

/// Who may do what in notifications: admins keep the directory, the subscriptions and the
/// deliveries; each person reads and changes only their own feed and preferences (the caller's
/// `sub` picks them, so nobody can name someone else's).
struct NotificationAccess: Sendable {
    let caller: Caller

    func checkIsAdmin(_ action: String) throws(NotificationError) {
        guard caller.role == .admin else { throw .forbidden("Only an admin \(action).") }
    }
}
