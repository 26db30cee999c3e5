import Events

/// Who may do what in notifications: admins keep the directory, the subscriptions and the
/// deliveries; a secretariat may list the directory's reviewers (to choose whom to assign);
/// each person reads and changes only their own feed and preferences (the caller's `sub`
/// picks them, so nobody can name someone else's).
struct NotificationAccess: Sendable {
    let caller: Caller

    func checkIsAdmin(_ action: String) throws(NotificationError) {
        guard caller.role == .admin else { throw .forbidden("Only an admin \(action).") }
    }

    /// Admins list the whole directory; a secretariat only its reviewers (`role=reviewer`).
    func checkMayList(role: String?) throws(NotificationError) {
        if caller.role == .admin { return }
        guard caller.role == .secretariat, role == Caller.Role.reviewer.rawValue else {
            throw .forbidden("Only an admin reads the recipients directory; a secretariat may list its reviewers (role=reviewer).")
        }
    }
}
