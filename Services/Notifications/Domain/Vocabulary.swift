import Events

/// The words of the domain that messages show translated: payment tranches, review stages,
/// reviewers' recommendations. A word it does not know is shown as it is.
enum Vocabulary {
    static func word(_ code: String, in language: Language) -> String {
        (language == .en ? english : french)[code] ?? code
    }

    private static let english: [String: String] = [
        "pre_financing": "pre-financing", "interim": "interim payment", "final": "final payment",
        "screening": "screening", "technical": "technical assessment", "decision": "decision",
        "fund": "fund", "fund_with_changes": "fund with changes", "do_not_fund": "do not fund",
    ]

    private static let french: [String: String] = [
        "pre_financing": "préfinancement", "interim": "paiement intermédiaire", "final": "paiement final",
        "screening": "examen d'éligibilité", "technical": "évaluation technique", "decision": "décision",
        "fund": "financer", "fund_with_changes": "financer avec modifications", "do_not_fund": "ne pas financer",
    ]
}
