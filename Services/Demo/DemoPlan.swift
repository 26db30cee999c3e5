import Cycle
import Events

/// The demonstration initiative: who acts, each region's envelopes, and the proposals with how
/// far each goes. Nothing here is random, so every run plans the same data.
struct DemoPlan: Sendable {
    /// An IfS envelope to allocate.
    struct EnvelopePlan: Sendable {
        var year: Int
        var region: String
        var amount: Money
        var reason: String

        var key: String { "coe-demo/envelope-\(year)-\(region)" }
    }

    /// The programme manager who decides (role admin).
    static let programmeManager = "pm"
    /// The finance officer who records payments, and the one who verifies them (four eyes).
    static let recorder = "fin-alice"
    static let verifier = "fin-bob"
    /// The reviewers the secretariats assign from, in this order.
    static let reviewers = ["camille", "jonas", "lucia", "marco", "anna", "erik", "nodira"]
    /// A focal point's and a secretariat's subjects: what `coe-<service> token` gives by default.
    static func focalPoint(_ country: String) -> String { "focal_point-\(country)" }
    static func secretariat(_ region: String) -> String { "secretariat-\(region)" }

    /// The region whose envelope of the current year is short: its second approval is blocked.
    static let shortRegion = "MIE"

    let year: Int
    let envelopes: [EnvelopePlan]
    let scenarios: [Scenario]

    /// The plan for `year` (the current UTC year): envelopes of `year` and the next, and the proposals.
    init(year: Int, reference: ReferenceData) {
        self.year = year
        let allocations: [(region: String, current: Int64, next: Int64)] = [
            ("AAF", 5_500_000, 6_000_000), ("CA", 3_500_000, 3_800_000), ("ECA", 4_500_000, 4_800_000), ("GCC", 2_000_000, 2_200_000),
            ("MIE", 1_200_000, 3_000_000), ("NAS", 4_000_000, 4_200_000), ("SEA", 5_000_000, 5_200_000), ("SEEE", 6_000_000, 6_500_000),
        ]
        envelopes = allocations.flatMap { allocation -> [EnvelopePlan] in
            let name = reference.region(allocation.region)?.name ?? allocation.region
            let current =
                allocation.region == Self.shortRegion
                ? "IfS \(year) allocation for \(name), first instalment: the second awaits the Commission's budget transfer"
                : "IfS \(year) allocation for \(name)"
            return [
                EnvelopePlan(year: year, region: allocation.region, amount: Money(cents: allocation.current * 100), reason: current),
                EnvelopePlan(
                    year: year + 1, region: allocation.region, amount: Money(cents: allocation.next * 100),
                    reason: "IfS \(year + 1) indicative allocation for \(name)"),
            ]
        }
        scenarios = Self.proposals
    }

    /// Every region that has an envelope or a proposal.
    var regions: [String] { Array(Set(envelopes.map(\.region) + scenarios.map(\.region))).sorted() }
}

extension DemoPlan {
    private static func euros(_ amount: Int64) -> Money { Money(cents: amount * 100) }

    private static func proposal(
        _ number: Int, _ lead: String, _ region: String, _ participants: [String], _ title: String, summary: String, objectives: [String], categories: [String],
        areas: [String], budget: Int64, months: Int, partners: [ProposalDraft.Partner] = [], journey: Journey, runsAfterOthers: Bool = false
    ) -> Scenario {
        Scenario(
            number: number, lead: lead, region: region,
            content: .init(
                title: title, summary: summary, participants: participants, objectives: objectives, categories: categories, areas: areas, budget: euros(budget), months: months,
                partners: partners),
            journey: journey, runsAfterOthers: runsAfterOthers)
    }

    private static let threeTranches: [Decision.Share] = [.init(.preFinancing, 40), .init(.interim, 40), .init(.final, 20)]

    /// Forty-one proposals, five or so per region, left in every state of the cycle.
    static let proposals: [Scenario] = [
        // MARK: African Atlantic Façade (AAF)
        proposal(
            1, "SN", "AAF", ["GM", "GW"], "Exercice régional de réponse aux urgences chimiques",
            summary: "Un exercice sur table puis un exercice de terrain des primo-intervenants du Sénégal, de la Gambie et de la Guinée-Bissau face à un rejet chimique industriel près d'un point de passage frontalier.",
            objectives: [
                "Conduire un exercice de terrain conjoint avec 120 primo-intervenants", "Adopter une procédure d'alerte transfrontalière commune",
                "Publier un retour d'expérience et un plan d'amélioration",
            ],
            categories: ["chemical"], areas: ["crisis_management"], budget: 1_250_000, months: 24,
            partners: [.init(name: "Expertise France", country: "FR", role: "agence de mise en œuvre")],
            journey: .approved(euros(1_200_000), threeTranches, funding: .init(verified: [.preFinancing, .interim, .final]))),
        proposal(
            2, "GH", "AAF", ["TG", "BJ"], "Biosafety training for laboratory staff in West Africa",
            summary: "Biosafety and biosecurity training of the staff of the national reference laboratories of Ghana, Togo and Benin, with a train-the-trainer cycle so that the countries keep teaching it.",
            objectives: ["Train 60 laboratory staff in biosafety level 2 and 3 practice", "Certify 12 national trainers", "Adopt national biosafety manuals"],
            categories: ["biological"], areas: ["biosafety_biosecurity", "public_health"], budget: 950_000, months: 18,
            partners: [.init(name: "Noguchi Memorial Institute for Medical Research", country: "GH", role: "training provider")],
            journey: .approved(euros(950_000), [.init(.preFinancing, 40), .init(.interim, 30), .init(.final, 30)], funding: .init(verified: [.preFinancing]))),
        proposal(
            3, "CI", "AAF", ["GH", "LR"], "Renforcement du cadre juridique de la sécurité chimique",
            summary: "Révision de la législation nationale sur les produits chimiques dangereux et harmonisation avec les pays voisins, au regard de la Convention sur l'interdiction des armes chimiques.",
            objectives: ["Réviser le projet de loi sur les substances chimiques", "Former 30 magistrats et inspecteurs"],
            categories: ["chemical"], areas: ["legal_framework"], budget: 480_000, months: 18, journey: .submitted),
        proposal(
            4, "SN", "AAF", ["GM"], "Gestion des déchets biomédicaux dans les hôpitaux régionaux",
            summary: "Collecte, traitement et élimination sûrs des déchets biomédicaux infectieux dans six hôpitaux régionaux, et formation de leurs personnels.",
            objectives: ["Équiper six hôpitaux de filières de traitement des déchets", "Former 200 agents hospitaliers"],
            categories: ["biological"], areas: ["waste_management", "public_health"], budget: 620_000, months: 24,
            journey: .revisionRequested([
                "Add a plan for the maintenance of the treatment equipment after the project ends.",
                "Show the cross-border dimension: which hospitals of the neighbouring countries take part?",
            ])),
        proposal(
            5, "GH", "AAF", ["TG"], "Detection of radioactive material at the port of Tema",
            summary: "Radiation portal monitors at the container terminal of Tema and training of customs and port police in their use.",
            objectives: ["Install four radiation portal monitors", "Train 50 customs and port police officers"],
            categories: ["radiological", "nuclear"], areas: ["border_control", "illicit_trafficking"], budget: 1_100_000, months: 30, journey: .draft),

        // MARK: Central Asia (CA)
        proposal(
            6, "KZ", "CA", ["UZ", "KG"], "Radiation portal monitors at Central Asian border crossings",
            summary: "Portal monitors and training for customs at two road crossings between Kazakhstan, Uzbekistan and Kyrgyzstan, with a shared alarm-response procedure.",
            objectives: ["Install portal monitors at two crossings", "Train 40 customs officers in secondary inspection", "Agree an alarm-response procedure"],
            categories: ["radiological", "nuclear"], areas: ["border_control", "illicit_trafficking"], budget: 1_100_000, months: 24,
            partners: [.init(name: "International Science and Technology Center", country: "KZ", role: "implementer")],
            journey: .approved(
                euros(1_000_000), [.init(.preFinancing, 30), .init(.interim, 50), .init(.final, 20)],
                funding: .init(verified: [.preFinancing, .interim, .final], finalShortBy: euros(12_500)))),
        proposal(
            7, "UZ", "CA", ["KZ", "TJ"], "Biosecurity of dangerous pathogen collections",
            summary: "Physical protection, inventory and access control of the collections of dangerous pathogens of the national veterinary and human health institutes.",
            objectives: ["Secure three pathogen collections", "Introduce an electronic inventory", "Train 25 biosecurity officers"],
            categories: ["biological"], areas: ["biosafety_biosecurity"], budget: 850_000, months: 24,
            journey: .approved(euros(850_000), [.init(.preFinancing, 40), .init(.interim, 30), .init(.final, 30)], funding: .init(verified: [.preFinancing, .interim]))),
        proposal(
            8, "KG", "CA", ["TJ", "UZ"], "Chemical emergency preparedness in the Fergana Valley",
            summary: "Joint preparedness of the emergency services of Kyrgyzstan, Tajikistan and Uzbekistan for accidents at chemical plants and tailings of the Fergana Valley.",
            objectives: ["Map the chemical hazards of the valley", "Run a joint exercise of the three countries' emergency services"],
            categories: ["chemical"], areas: ["crisis_management"], budget: 560_000, months: 20, journey: .inAssessment(1)),
        proposal(
            9, "KZ", "CA", ["UZ"], "Remediation of uranium tailings near Aktau",
            summary: "Remediation of the uranium mill tailings of the former Koshkar-Ata site and monitoring of the groundwater around it.",
            objectives: ["Cover the tailings pond", "Install a groundwater monitoring network"],
            categories: ["radiological"], areas: ["waste_management"], budget: 9_500_000, months: 48,
            journey: .ineligible(
                unmet: ["budget_within_limits"],
                reasons: ["The call funds projects of up to 3000000.00 EUR; this one requests 9500000.00 EUR. Phase the remediation and apply for the first phase."])),
        proposal(
            10, "UZ", "CA", ["KG"], "National CBRN awareness campaign for schools",
            summary: "Teaching material and a campaign in secondary schools on chemical and biological risks at home and at work.",
            objectives: ["Produce teaching material in Uzbek, Karakalpak and Russian"], categories: ["chemical", "biological"],
            areas: ["awareness_raising"], budget: 300_000, months: 12,
            journey: .withdrawnDraft("Merged into the regional awareness proposal of the Central Asian secretariat.")),
        proposal(
            11, "KG", "CA", ["KZ", "TJ"], "Mobile laboratory for biological threat detection",
            summary: "A mobile laboratory to detect and identify biological agents at outbreaks and mass gatherings, shared with the neighbouring countries.",
            objectives: ["Equip a mobile laboratory", "Train two rapid-response teams", "Agree its deployment across borders"],
            categories: ["biological"], areas: ["public_health", "crisis_management"], budget: 780_000, months: 24, journey: .completedDraft),

        // MARK: Eastern and Central Africa (ECA)
        proposal(
            12, "KE", "ECA", ["UG", "TZ"], "Regional network of public health laboratories",
            summary: "Quality management, biosafety and sample referral between the national public health laboratories of Kenya, Uganda and Tanzania.",
            objectives: ["Accredit three laboratories to ISO 15189", "Set up cross-border sample referral", "Train 45 laboratory staff"],
            categories: ["biological"], areas: ["public_health", "biosafety_biosecurity"], budget: 1_150_000, months: 30,
            partners: [.init(name: "Kenya Medical Research Institute", country: "KE", role: "implementer")],
            journey: .approved(euros(1_100_000), threeTranches, funding: .init(verified: [.preFinancing]))),
        proposal(
            13, "CD", "ECA", ["ZM"], "Sécurisation des sources radioactives orphelines",
            summary: "Recherche, récupération et entreposage sûr des sources radioactives orphelines des anciens sites miniers du Katanga, avec les autorités de la Zambie.",
            objectives: ["Inventorier les sources orphelines de dix sites", "Construire un entreposage temporaire sûr"],
            categories: ["radiological"], areas: ["waste_management", "illicit_trafficking"], budget: 780_000, months: 24,
            journey: .approved(euros(780_000), [.init(.preFinancing, 35), .init(.final, 65)], funding: .init(pending: .preFinancing))),
        proposal(
            14, "UG", "ECA", ["RW", "CD"], "Cross-border surveillance of zoonotic diseases",
            summary: "Joint surveillance of zoonotic diseases by the veterinary and health services of Uganda, Rwanda and the Democratic Republic of the Congo along their borders.",
            objectives: ["Set up joint surveillance at five border posts", "Train 80 animal and human health workers"],
            categories: ["biological"], areas: ["public_health"], budget: 690_000, months: 24, journey: .inAssessment(0)),
        proposal(
            15, "CD", "ECA", ["BI"], "Formation des douaniers au contrôle des produits chimiques",
            summary: "Formation des douaniers de la République démocratique du Congo et du Burundi à l'identification des produits chimiques à double usage.",
            objectives: ["Former 120 douaniers", "Équiper quatre postes de kits d'identification"],
            categories: ["chemical"], areas: ["export_control", "border_control"], budget: 540_000, months: 18,
            journey: .rejected([
                "The training duplicates the customs training another donor funds at the same posts until next year.",
                "The work plan has no measurable results.",
            ])),
        proposal(
            16, "KE", "ECA", ["TZ"], "Chemical safety and security in the mining sector",
            summary: "Safe storage, transport and accounting of cyanide and explosives precursors in the gold mining sector of Kenya and Tanzania.",
            objectives: ["Audit 40 mining sites", "Introduce a precursor accounting system"],
            categories: ["chemical"], areas: ["critical_infrastructure", "waste_management"], budget: 730_000, months: 24, journey: .submitted),

        // MARK: Gulf Cooperation Council Countries (GCC)
        proposal(
            17, "AE", "GCC", ["SA", "OM", "QA"], "Nuclear forensics capability for the Gulf region",
            summary: "A shared nuclear forensics capability: sampling, chain of custody and laboratory analysis of seized nuclear and radioactive material.",
            objectives: ["Equip a regional nuclear forensics laboratory", "Train 20 analysts and crime-scene officers"],
            categories: ["nuclear", "radiological"], areas: ["forensics", "illicit_trafficking"], budget: 650_000, months: 18,
            journey: .approved(euros(650_000), threeTranches, funding: .init(verified: [.preFinancing, .interim, .final]))),
        proposal(
            18, "SA", "GCC", ["KW", "QA"], "Protection of desalination plants against chemical incidents",
            summary: "Risk assessment and emergency planning for chlorine and other chemicals at the desalination plants serving Saudi Arabia, Kuwait and Qatar.",
            objectives: ["Assess the chemical risks of eight plants", "Write and exercise emergency plans"],
            categories: ["chemical"], areas: ["critical_infrastructure", "crisis_management"], budget: 1_300_000, months: 24,
            journey: .inAssessment(2, merit: .strong)),
        proposal(
            19, "OM", "GCC", ["AE"], "Maritime detection of illicit radioactive cargo",
            summary: "Radiation detection at the ports of Sohar and Salalah and information sharing on suspicious cargo with the other Gulf states.",
            objectives: ["Equip two ports with detection", "Agree an information-sharing protocol"],
            categories: ["radiological", "nuclear"], areas: ["border_control", "illicit_trafficking"], budget: 880_000, months: 24, journey: .submitted),
        proposal(
            20, "SA", "GCC", ["KW"], "Mass-gathering health security during pilgrimages",
            summary: "Early warning and response to outbreaks and chemical incidents during mass gatherings.",
            objectives: ["Set up syndromic surveillance", "Train 150 health workers"],
            categories: ["biological", "chemical"], areas: ["public_health", "crisis_management"], budget: 950_000, months: 24,
            journey: .withdrawnInScreening("The national authority funds the activity from its own budget.")),
        proposal(
            21, "OM", "GCC", [], "Regional export control workshop on dual-use goods",
            summary: "", objectives: [], categories: ["chemical", "biological", "nuclear"], areas: [], budget: 0, months: 0,
            journey: .incompleteDraft),

        // MARK: Middle East (MIE)
        proposal(
            22, "JO", "MIE", ["LB"], "Hospital preparedness for mass-casualty chemical incidents",
            summary: "Decontamination, triage and treatment capacity for chemical casualties in the main hospitals of Jordan and Lebanon.",
            objectives: ["Equip six hospitals for decontamination", "Train 300 hospital staff", "Run a joint hospital exercise"],
            categories: ["chemical"], areas: ["crisis_management", "public_health"], budget: 700_000, months: 24,
            partners: [.init(name: "Royal Scientific Society", country: "JO", role: "implementer")],
            journey: .approved(euros(700_000), threeTranches, funding: .init(verified: [.preFinancing]))),
        proposal(
            23, "LB", "MIE", ["JO"], "Rebuilding chemical safety at the port of Beirut",
            summary: "Inventory, safe storage and disposal of the hazardous chemicals still stored at the port of Beirut, and a chemical safety management system for the port authority.",
            objectives: ["Remove and dispose of the remaining hazardous chemicals", "Introduce a chemical safety management system", "Train 60 port staff"],
            categories: ["chemical"], areas: ["critical_infrastructure", "waste_management"], budget: 950_000, months: 24,
            journey: .approved(euros(900_000), [.init(.preFinancing, 30), .init(.interim, 50), .init(.final, 20)], funding: .init(blocked: true)),
            runsAfterOthers: true),
        proposal(
            24, "IQ", "MIE", ["JO"], "Clearance of radiological contamination at former industrial sites",
            summary: "Survey and clearance of radiologically contaminated scrap at former industrial sites, with the regulators of Iraq and Jordan.",
            objectives: ["Survey twelve sites", "Clear the three most contaminated"],
            categories: ["radiological"], areas: ["waste_management"], budget: 1_200_000, months: 36, journey: .inAssessment(1)),
        proposal(
            25, "JO", "MIE", ["LB", "IQ"], "Biosecurity of veterinary laboratories",
            summary: "Biosecurity upgrades and training for the veterinary laboratories that handle avian influenza and brucellosis samples.",
            objectives: ["Upgrade two laboratories", "Train 40 laboratory staff"],
            categories: ["biological"], areas: ["biosafety_biosecurity"], budget: 520_000, months: 18,
            journey: .revisionRequested(["Explain how the laboratories of Lebanon and Iraq benefit.", "Break the equipment budget down by laboratory."])),
        proposal(
            26, "LB", "MIE", ["JO"], "CBRN risk awareness for municipalities",
            summary: "Awareness of chemical and biological risks for mayors and municipal services of Lebanon and Jordan.",
            objectives: ["Hold twelve municipal workshops", "Publish a guide for municipalities"],
            categories: ["chemical", "biological"], areas: ["awareness_raising"], budget: 300_000, months: 12, journey: .draft),

        // MARK: North Africa (NAS)
        proposal(
            27, "MA", "NAS", ["TN", "MR"], "Sûreté des sources radioactives dans le secteur médical",
            summary: "Sécurisation, inventaire et reprise des sources radioactives scellées des services de radiothérapie du Maroc, de la Tunisie et de la Mauritanie.",
            objectives: ["Sécuriser les sources de douze services hospitaliers", "Reprendre les sources retirées du service", "Former 40 inspecteurs"],
            categories: ["radiological"], areas: ["waste_management", "critical_infrastructure"], budget: 1_400_000, months: 30,
            partners: [.init(name: "Centre national de l'énergie, des sciences et des techniques nucléaires", country: "MA", role: "opérateur")],
            journey: .approved(euros(1_350_000), threeTranches, funding: .init(verified: [.preFinancing, .interim, .final]))),
        proposal(
            28, "TN", "NAS", ["DZ", "MA"], "Réseau de laboratoires de biosécurité au Maghreb",
            summary: "Mise en réseau des laboratoires de référence de la Tunisie, de l'Algérie et du Maroc pour la biosécurité et l'échange d'échantillons.",
            objectives: ["Harmoniser les procédures de biosécurité", "Organiser des essais interlaboratoires"],
            categories: ["biological"], areas: ["biosafety_biosecurity", "public_health"], budget: 720_000, months: 24,
            partners: [.init(name: "Institut Pasteur de Tunis", country: "TN", role: "coordinateur")],
            journey: .approved(euros(720_000), [.init(.preFinancing, 40), .init(.final, 60)], funding: .init(verified: [.preFinancing]))),
        proposal(
            29, "DZ", "NAS", ["LY", "TN"], "Détection des matières nucléaires aux frontières sahariennes",
            summary: "Détection des matières nucléaires et radioactives aux postes frontaliers sahariens de l'Algérie, de la Libye et de la Tunisie.",
            objectives: ["Équiper six postes frontaliers", "Former 90 gardes-frontières"],
            categories: ["nuclear", "radiological"], areas: ["border_control", "illicit_trafficking"], budget: 1_050_000, months: 30,
            journey: .screeningWithReviewers),
        proposal(
            30, "TN", "NAS", ["DZ", "LY"], "Plan national de réponse aux incidents chimiques",
            summary: "Élaboration et mise à l'épreuve d'un plan national de réponse aux incidents chimiques, coordonné avec l'Algérie et la Libye.",
            objectives: ["Rédiger le plan national", "Conduire un exercice transfrontalier"],
            categories: ["chemical"], areas: ["crisis_management", "legal_framework"], budget: 640_000, months: 20,
            journey: .revisionRequested(
                ["Reduce the budget for vehicles.", "Add the training of the regional civil protection units."],
                then: {
                    var changes = ProposalDraft()
                    changes.objectives = [
                        "Rédiger le plan national", "Former les unités régionales de protection civile", "Conduire un exercice transfrontalier",
                    ]
                    changes.requestedBudget = euros(590_000)
                    return changes
                }())),
        proposal(
            31, "DZ", "NAS", ["TN"], "Contrôle des exportations de biens à double usage",
            summary: "Mise en place d'un système de contrôle des exportations de biens à double usage et formation des services de délivrance des licences.",
            objectives: ["Adopter une liste de contrôle nationale", "Former 40 agents"],
            categories: ["chemical", "biological"], areas: ["export_control"], budget: 460_000, months: 18,
            journey: .rejected(["The legal basis for the control list is not in place yet; apply once the law is adopted."])),

        // MARK: South East Asia (SEA)
        proposal(
            32, "PH", "SEA", ["ID", "MY"], "Radiological emergency response for the ports of Manila Bay",
            summary: "Detection, response and decontamination capacity for radiological incidents at the ports of Manila Bay, with the port authorities of Indonesia and Malaysia.",
            objectives: ["Equip two response teams", "Train 80 responders", "Exercise a radiological incident with the neighbouring ports"],
            categories: ["radiological"], areas: ["crisis_management", "border_control"], budget: 1_500_000, months: 30,
            partners: [.init(name: "Philippine Nuclear Research Institute", country: "PH", role: "implementer")],
            journey: .approved(
                euros(1_500_000), [.init(.preFinancing, 30), .init(.interim, 40), .init(.final, 30)],
                funding: .init(verified: [.preFinancing, .interim, .final]))),
        proposal(
            33, "VN", "SEA", ["KH"], "Chemical security of industrial zones in the Mekong Delta",
            summary: "Chemical security and emergency planning for the industrial zones of the Mekong Delta, with Cambodia.",
            objectives: ["Assess 30 chemical facilities", "Write joint emergency plans with Cambodia"],
            categories: ["chemical"], areas: ["critical_infrastructure", "crisis_management"], budget: 980_000, months: 24,
            journey: .approved(euros(980_000), threeTranches, funding: .init())),
        proposal(
            34, "ID", "SEA", ["MY", "PH"], "Biosafety of field laboratories for outbreak response",
            summary: "Biosafety of the field laboratories Indonesia, Malaysia and the Philippines deploy during outbreaks.",
            objectives: ["Equip four field laboratories", "Train 60 field laboratory staff"],
            categories: ["biological"], areas: ["biosafety_biosecurity", "public_health"], budget: 610_000, months: 18, journey: .inAssessment(0)),
        proposal(
            35, "PH", "SEA", ["ID"], "Cyber-security of port logistics systems",
            summary: "Protection of the ports' logistics IT systems against cyber-attacks.",
            objectives: ["Audit the IT systems of three ports", "Train 30 IT staff"],
            categories: ["chemical"], areas: ["critical_infrastructure"], budget: 700_000, months: 12,
            journey: .ineligible(
                unmet: ["cbrn_relevance"],
                reasons: ["The project protects IT systems; it does not reduce a chemical, biological, radiological or nuclear risk."])),
        proposal(
            36, "VN", "SEA", ["LA", "KH"], "Legal framework for nuclear security",
            summary: "Review of the nuclear security legislation and of the regulator's inspection practice, with the regulators of Laos and Cambodia.",
            objectives: ["Draft amendments to the atomic energy law", "Train 25 inspectors"],
            categories: ["nuclear"], areas: ["legal_framework"], budget: 420_000, months: 18,
            journey: .revisionRequested(
                ["Name the implementing partner and its experience.", "Add the regulators of the participating countries to the work plan."],
                withdrawn: "The implementing partner withdrew; a new proposal will follow next year.")),
        proposal(
            37, "ID", "SEA", ["MY", "SG"], "Forensic investigation of CBRN incidents",
            summary: "Crime-scene management and forensic analysis of chemical, biological and radiological incidents for the police of Indonesia and its neighbours.",
            objectives: ["Train 40 crime-scene investigators", "Equip a CBRN forensic unit"],
            categories: ["chemical", "biological", "radiological"], areas: ["forensics"], budget: 870_000, months: 24, journey: .submitted),

        // MARK: South East Europe, Southern Caucasus, Moldova and Ukraine (SEEE)
        proposal(
            38, "UA", "SEEE", ["MD"], "Protection of nuclear facilities as critical infrastructure",
            summary: "Physical protection, emergency power and radiation monitoring for nuclear facilities, and training of their response teams.",
            objectives: ["Upgrade radiation monitoring around two sites", "Train 120 responders", "Exercise a joint response with Moldova"],
            categories: ["nuclear", "radiological"], areas: ["critical_infrastructure", "crisis_management"], budget: 2_500_000, months: 36,
            partners: [.init(name: "Science and Technology Center in Ukraine", country: "UA", role: "implementer")],
            journey: .approved(
                euros(2_400_000), [.init(.preFinancing, 25), .init(.interim, 50), .init(.final, 25)], funding: .init(verified: [.preFinancing]))),
        proposal(
            39, "GE", "SEEE", ["AM", "MD"], "Regional training centre for CBRN first responders",
            summary: "A regional centre in Tbilisi that trains first responders of Georgia, Armenia and Moldova in CBRN incidents.",
            objectives: ["Set up the training centre", "Train 200 first responders", "Certify 15 instructors"],
            categories: ["chemical", "biological", "radiological", "nuclear"], areas: ["crisis_management"], budget: 1_600_000, months: 36,
            journey: .inAssessment(2, merit: .mixed)),
        proposal(
            40, "MD", "SEEE", ["UA"], "Detection of illicit trafficking of radioactive material on the Dniester",
            summary: "Radiation detection and joint patrols against the trafficking of radioactive material on the Moldovan-Ukrainian border.",
            objectives: ["Equip four border posts", "Train 60 border guards"],
            categories: ["radiological"], areas: ["border_control", "illicit_trafficking"], budget: 740_000, months: 24, journey: .inAssessment(1)),
        proposal(
            41, "UA", "SEEE", ["MD", "GE"], "Chemical hazard mapping of industrial sites",
            summary: "Mapping of chemical hazards at damaged industrial sites and a plan to make them safe, with the authorities of Moldova and Georgia.",
            objectives: ["Map 50 industrial sites", "Make the ten most hazardous safe"],
            categories: ["chemical"], areas: ["critical_infrastructure", "waste_management"], budget: 1_250_000, months: 30, journey: .submitted),
    ]
}
