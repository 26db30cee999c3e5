import Foundation

/// The daily digest: a person who chose it gets, once a day from `hour` (UTC), one mail with
/// everything their single mails would have said since their last digest. What arrives after
/// the day's digest waits for the next day's.
enum Digest {
    /// The day (`YYYY-MM-DD`, UTC) whose digest is due at `time`: today once its hour has come,
    /// nil before.
    static func dueDay(at time: Date, hour: Int) -> String? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour], from: time)
        guard let year = parts.year, let month = parts.month, let day = parts.day, (parts.hour ?? 0) >= hour else { return nil }
        return String(format: "%04d-%02d-%02d", year, month, day)
    }
}
