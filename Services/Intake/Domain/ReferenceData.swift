import Foundation

/// Regions, partner countries, CBRN categories and areas of the initiative, from `reference-data.json`.
struct ReferenceData: Codable, Sendable {
    struct Region: Codable, Sendable {
        var code: String
        var name: String
        var countries: [String]
    }

    struct Item: Codable, Sendable {
        var code: String
        var name: String
    }

    var regions: [Region]
    var countries: [String: String]
    var cbrnCategories: [Item]
    var cbrnAreas: [Item]

    static func load() throws -> ReferenceData {
        guard let url = Bundle.module.url(forResource: "reference-data", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "reference-data.json is missing from the bundle"])
        }
        return try JSONDecoder().decode(ReferenceData.self, from: Data(contentsOf: url))
    }

    func region(_ code: String) -> Region? { regions.first { $0.code == code } }
    func isCountry(_ code: String) -> Bool { countries[code] != nil }
    func isCategory(_ code: String) -> Bool { cbrnCategories.contains { $0.code == code } }
    func isArea(_ code: String) -> Bool { cbrnAreas.contains { $0.code == code } }

    /// The document served at `/v1/reference`: countries named inside their regions.
    struct Document: Codable, Sendable {
        struct Country: Codable, Sendable {
            var code: String
            var name: String
        }

        struct RegionEntry: Codable, Sendable {
            var code: String
            var name: String
            var countries: [Country]
        }

        var regions: [RegionEntry]
        var cbrnCategories: [Item]
        var cbrnAreas: [Item]
    }

    var document: Document {
        Document(
            regions: regions.map { region in
                .init(code: region.code, name: region.name, countries: region.countries.map { .init(code: $0, name: countries[$0] ?? $0) })
            },
            cbrnCategories: cbrnCategories, cbrnAreas: cbrnAreas)
    }
}
