import Events
import Foundation

/// Who may see and act on which review case: the one place workflow's rules of access live.
///
/// | role | sees | acts |
/// |---|---|---|
/// | focal point | their country's cases (as lead): screening and decisions, not who reviews nor their assessments | nothing |
/// | secretariat | their region's cases, whole | screens; assigns and unassigns reviewers |
/// | reviewer | the cases they are assigned to, with what assessing needs; other reviewers' assessments of a round only once their own is in, and never their names | assesses and amends |
/// | finance | all, whole | nothing |
/// | admin (programme manager) | all, whole | decides |
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

    /// Secretariats (their region), finance and admins see the ranking; reviewers and focal points don't.
    var canRank: Bool { seesEverything }

    /// Who reviews a case is not for applicants, nor for other reviewers: only those who see
    /// every assignment filter by reviewer; a reviewer may filter by themselves.
    func mayFilter(byReviewer reviewer: String) -> Bool {
        seesEverything || (caller.role == .reviewer && reviewer == caller.sub)
    }

    /// Sorting by score would order a list by scores the caller is not shown.
    var maySortByScore: Bool { seesEverything }

    /// Sees every assessment and every name.
    private var seesEverything: Bool { caller.role == .secretariat || caller.role == .finance || caller.role == .admin }

    /// The case as the caller may see it (see the table above).
    func visible(_ reviewCase: ReviewCase) -> ReviewCase {
        guard !seesEverything else { return reviewCase }
        var visible = reviewCase
        visible.assignments = caller.role == .reviewer ? reviewCase.assignments.filter { $0.reviewer == caller.sub } : []
        visible.rounds = reviewCase.rounds.map { self.visible($0) }
        visible.history = visibleHistory(of: reviewCase)
        return visible
    }

    /// A round as the caller may see it: a reviewer sees the others' assessments, without names,
    /// only once their own is in; a focal point sees none.
    func visible(_ round: ReviewRound) -> ReviewRound {
        guard !seesEverything else { return round }
        var visible = round
        guard caller.role == .reviewer, round.assessment(by: caller.sub) != nil else {
            visible.assessments = []
            return visible
        }
        var number = 1
        visible.assessments = round.assessments.map { assessment in
            guard assessment.reviewer != caller.sub else { return assessment }
            number += 1
            var masked = assessment
            masked.reviewer = "reviewer-\(number)"
            masked.reviewerName = "Reviewer \(number)"
            masked.reviewerCountry = "--"
            return masked
        }
        return visible
    }

    /// The history as the caller may see it: steps about other reviewers lose their names, and a
    /// reviewer does not learn of others' assessments of a round before their own is in.
    func visibleHistory(of reviewCase: ReviewCase) -> [ReviewCase.HistoryEntry] {
        guard !seesEverything else { return reviewCase.history }
        return reviewCase.history.compactMap { entry in
            // Steps written before the history named the reviewer concerned (migration 0004) are
            // recognised by their action: they are masked all the same.
            let aboutAReviewer = entry.reviewer != nil || Self.reviewerActions.contains(entry.action)
            guard aboutAReviewer, !(caller.role == .reviewer && entry.reviewer == caller.sub) else { return entry }
            let round = reviewCase.rounds.first { $0.number == entry.round }
            let ownIsIn = caller.role == .reviewer && round?.assessment(by: caller.sub) != nil
            var masked = entry
            switch entry.action {
            case .assessed, .assessmentAmended:
                guard ownIsIn else { return nil }
                masked.detail = entry.action == .assessed ? "another reviewer assessed round \(entry.round)" : "another reviewer amended their assessment"
            case .reviewerAssigned: masked.detail = "a reviewer was assigned"
            case .reviewerUnassigned: masked.detail = "a reviewer was unassigned"
            default: masked.detail = "a step concerning a reviewer"
            }
            if masked.actor.role == Caller.Role.reviewer.rawValue { masked.actor = EventActor(sub: "reviewer", role: "reviewer") }
            masked.reviewer = nil
            return masked
        }
    }

    /// The steps that concern one reviewer.
    static let reviewerActions: Set<ReviewHistoryAction> = [.reviewerAssigned, .reviewerUnassigned, .assessed, .assessmentAmended]

    /// What the caller may do with the case now: the stage's actions that are theirs.
    func allowedActions(on reviewCase: ReviewCase) -> [ReviewAction] {
        guard canRead(reviewCase) else { return [] }
        let ownRegion = caller.role == .secretariat && reviewCase.region == caller.region
        return reviewCase.stage.allowedActions.filter { action in
            switch action {
            case .screen, .assign, .unassign: ownRegion
            case .assess: caller.role == .reviewer && reviewCase.isAssigned(caller.sub) && reviewCase.currentRound.assessment(by: caller.sub) == nil
            case .amend: caller.role == .reviewer && reviewCase.isAssigned(caller.sub) && reviewCase.currentRound.assessment(by: caller.sub) != nil
            case .approve, .reject, .requestRevision: caller.role == .admin
            case .remind, .resubmit, .withdraw: false
            }
        }
    }

    /// Screening and assigning reviewers are the regional secretariat's acts.
    func checkCanScreen(_ reviewCase: ReviewCase) throws(ReviewError) {
        try checkSecretariat(of: reviewCase, "screens")
    }

    func checkCanAssign(_ reviewCase: ReviewCase) throws(ReviewError) {
        try checkSecretariat(of: reviewCase, "assigns reviewers to")
    }

    /// Only a reviewer assigned to the case assesses it; returns their assignment.
    func checkCanAssess(_ reviewCase: ReviewCase) throws(ReviewError) -> ReviewCase.Assignment {
        guard canRead(reviewCase) else { throw .notFound(reviewCase.proposalId) }
        guard caller.role == .reviewer, let assignment = reviewCase.assignments.first(where: { $0.reviewer == caller.sub }) else {
            throw .forbidden("Only a reviewer assigned to this case assesses it.")
        }
        return assignment
    }

    /// The decision is the programme manager's (an admin's).
    func checkCanDecide(_ reviewCase: ReviewCase) throws(ReviewError) {
        guard canRead(reviewCase) else { throw .notFound(reviewCase.proposalId) }
        guard caller.role == .admin else { throw .forbidden("Only the programme manager (an admin) decides on a proposal.") }
    }

    private func checkSecretariat(of reviewCase: ReviewCase, _ act: String) throws(ReviewError) {
        guard canRead(reviewCase) else { throw .notFound(reviewCase.proposalId) }
        guard caller.role == .secretariat, reviewCase.region == caller.region else {
            throw .forbidden("Only the \(reviewCase.region) secretariat \(act) this case.")
        }
    }
}
