import Foundation

/// Regions, partner countries, CBRN categories and areas of the initiative, from `reference-data.json`:
/// the one place these lists live, shared by intake (what a proposal may name) and funding
/// (the regions envelopes are for, the countries an IATI export names).
public struct ReferenceData: Codable, Sendable {
    public struct Region: Codable, Sendable {
        public var code: String
        public var name: String
        /// The name in French, where the file gives it.
        public var nameFr: String?
        public var countries: [String]

        public init(code: String, name: String, nameFr: String? = nil, countries: [String]) {
            self.code = code
            self.name = name
            self.nameFr = nameFr
            self.countries = countries
        }

        /// The region's name in a language (English where no translation is given).
        public func name(in language: Language) -> String {
            language == .fr ? nameFr ?? name : name
        }
    }

    public struct Item: Codable, Sendable {
        public var code: String
        public var name: String
    }

    public var regions: [Region]
    public var countries: [String: String]
    /// The countries' names in French.
    public var countriesFr: [String: String]?
    public var cbrnCategories: [Item]
    public var cbrnAreas: [Item]

    public init(regions: [Region], countries: [String: String], cbrnCategories: [Item], cbrnAreas: [Item]) {
        self.regions = regions
        self.countries = countries
        self.cbrnCategories = cbrnCategories
        self.cbrnAreas = cbrnAreas
    }

    public static func load() throws -> ReferenceData {
        guard let url = Bundle.module.url(forResource: "reference-data", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "reference-data.json is missing from the bundle"])
        }
        return try JSONDecoder().decode(ReferenceData.self, from: Data(contentsOf: url))
    }

    public func region(_ code: String) -> Region? { regions.first { $0.code == code } }
    public func isCountry(_ code: String) -> Bool { countries[code] != nil }
    public func isCategory(_ code: String) -> Bool { cbrnCategories.contains { $0.code == code } }
    public func isArea(_ code: String) -> Bool { cbrnAreas.contains { $0.code == code } }

    /// A country's name in a language; the code itself for one the file does not know.
    public func countryName(_ code: String, in language: Language) -> String {
        (language == .fr ? countriesFr?[code] : nil) ?? countries[code] ?? code
    }

    /// A region's name in a language; the code itself for one the file does not know.
    public func regionName(_ code: String, in language: Language) -> String {
        region(code)?.name(in: language) ?? code
    }

    /// The document served at `/v1/reference`: countries named inside their regions.
    public struct Document: Codable, Sendable {
        public struct Country: Codable, Sendable {
            var code: String
            var name: String
        }

        public struct RegionEntry: Codable, Sendable {
            var code: String
            var name: String
            var countries: [Country]
        }

        public var regions: [RegionEntry]
        public var cbrnCategories: [Item]
        public var cbrnAreas: [Item]
    }

    public var document: Document {
        Document(
            regions: regions.map { region in
                .init(code: region.code, name: region.name, countries: region.countries.map { .init(code: $0, name: countries[$0] ?? $0) })
            },
            cbrnCategories: cbrnCategories, cbrnAreas: cbrnAreas)
    }
}
