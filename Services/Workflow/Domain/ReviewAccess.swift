import Events

/// Who may see and act on which review case: the one place workflow's rules live.
///
/// | role | sees | acts |
/// |---|---|---|
/// | focal point | their country's cases (as lead), not who reviews them | nothing |
/// | secretariat | their region's cases | assigns and unassigns reviewers there |
/// | reviewer | the cases they are assigned to, with what assessing needs (not who else reviews them) | (assesses them: the workflow issue) |
/// | finance, admin | all | nothing yet (admins decide: the workflow issue) |
///
/// A case outside the caller's view answers 404, never 403, so ids can't be probed;
/// 403 means "you see it, but this act is not yours".
struct ReviewAccess: Sendable {
    let caller: Caller

    /// What lists and reads are limited to; filters only narrow it.
    struct Scope: Sendable {
        var leadCountry: String?
        var region: String?
        var assignedTo: String?
    }

    var scope: Scope {
        switch caller.role {
        case .focalPoint: Scope(leadCountry: caller.country ?? "-")
        case .secretariat: Scope(region: caller.region ?? "-")
        case .reviewer: Scope(assignedTo: caller.sub)
        case .finance, .admin: Scope()
        }
    }

    func canRead(_ reviewCase: ReviewCase) -> Bool {
        let scope = self.scope
        if let country = scope.leadCountry, reviewCase.leadCountry != country { return false }
        if let region = scope.region, reviewCase.region != region { return false }
        if let reviewer = scope.assignedTo, !reviewCase.isAssigned(reviewer) { return false }
        return true
    }

    /// The case as the caller may see it. Reviews are independent: the applicant's focal point
    /// doesn't learn who reviews the proposal, and a reviewer sees their own assignment only;
    /// the history keeps the steps but not the names. Secretariats, finance and admins see all.
    func visible(_ reviewCase: ReviewCase) -> ReviewCase {
        var visible = reviewCase
        switch caller.role {
        case .secretariat, .finance, .admin:
            return reviewCase
        case .focalPoint:
            visible.assignments = []
        case .reviewer:
            visible.assignments = reviewCase.assignments.filter { $0.reviewer == caller.sub }
        }
        visible.history = reviewCase.history.map { entry in
            var entry = entry
            switch entry.action {
            case .reviewerAssigned: entry.detail = "a reviewer was assigned"
            case .reviewerUnassigned: entry.detail = "a reviewer was unassigned"
            case .opened, .resubmitted, .withdrawn: break
            }
            return entry
        }
        return visible
    }

    /// Assigning reviewers is the regional secretariat's act.
    func checkCanAssign(_ reviewCase: ReviewCase) throws(ReviewError) {
        guard canRead(reviewCase) else { throw .notFound(reviewCase.proposalId) }
        guard caller.role == .secretariat, reviewCase.region == caller.region else {
            throw .forbidden("Only the \(reviewCase.region) secretariat assigns reviewers to this case.")
        }
    }
}
