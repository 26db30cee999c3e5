import Events

/// Who may do what in notifications: admins keep the directory, the subscriptions and the
/// deliveries; a secretariat may list the active reviewers, by name, e-mail and country only
/// (to choose whom to assign);
/// each person reads and changes only their own feed and preferences (the caller's `sub`
/// picks them, so nobody can name someone else's).
struct NotificationAccess: Sendable {
    let caller: Caller

    func checkIsAdmin(_ action: String) throws(NotificationError) {
        guard caller.role == .admin else { throw .forbidden("Only an admin \(action).") }
    }

    /// The reviewers to assign: secretariats (who assign them) and admins.
    func checkMayListReviewers() throws(NotificationError) {
        guard caller.role == .admin || caller.role == .secretariat else {
            throw .forbidden("Only a secretariat or an admin lists the reviewers.")
        }
    }
}
