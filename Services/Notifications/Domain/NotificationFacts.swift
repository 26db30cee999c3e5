import Events
import Foundation

/// What notifications need to know of any event of the catalogue: who it concerns (the
/// proposal's lead country and region, a reviewer) and the values its messages show, still
/// independent of the reader's language.
struct NotificationFacts: Sendable, Equatable {
    var eventID: UUID
    var type: EventType
    var occurredAt: Date
    var proposal: ProposalSummary?
    /// The region concerned when there is no proposal (an envelope's).
    var region: String?
    /// The reviewer an assignment is about (their `sub`).
    var reviewer: String?
    /// Whom an overdue case waits for: `secretariat`, reviewers' subjects or `admin`.
    var waitingFor: [String] = []
    /// An assessment that completes the round: programme managers decide now.
    var readyForDecision = false
    /// Where the message links to, below the public address (`proposals/…`, `funding/commitments/…`).
    var linkPath: String
    /// The event's own values, by template variable name.
    var values: [String: Value] = [:]

    /// What notifications keep of a proposal, so that events which do not repeat it (a
    /// withdrawal, an unassignment) still name it.
    struct ProposalSummary: Sendable, Equatable {
        var id: UUID
        var reference: String?
        var title: String?
        var region: String?
        var leadCountry: String?

        /// This summary with what it lacks taken from what is known of the proposal.
        func completed(by known: ProposalSummary?) -> ProposalSummary {
            guard let known, known.id == id else { return self }
            return ProposalSummary(
                id: id, reference: reference ?? known.reference, title: title ?? known.title, region: region ?? known.region,
                leadCountry: leadCountry ?? known.leadCountry)
        }

        /// Whether it names the proposal whole (then it is worth keeping).
        var isComplete: Bool { reference != nil && title != nil && region != nil && leadCountry != nil }
    }

    /// A value a message shows, written for the reader's language when it is rendered.
    indirect enum Value: Sendable, Equatable {
        case text(String)
        /// A decimal as the API writes it (`78.50`): a decimal comma in French.
        case decimal(String)
        case number(Int)
        case flag(Bool)
        case money(Money)
        /// An instant, shown as its UTC day.
        case day(Date)
        /// A calendar day as `YYYY-MM-DD`.
        case isoDay(String)
        /// Country codes, shown as names joined by commas.
        case countries([String])
        /// A word of the vocabulary (a tranche, a stage, a recommendation), translated.
        case word(String)
        case list([Value])
        case record([String: Value])
    }

    /// The region the event concerns.
    var concernedRegion: String? { proposal?.region ?? region }
}
