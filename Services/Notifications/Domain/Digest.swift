import Events
import Foundation

/// The daily digest: a person who chose it gets, once a day from `hour` (UTC), one mail with
/// everything their single mails would have said since their last digest. What arrives after
/// the day's digest waits for the next day's.
enum Digest {
    /// The day (`YYYY-MM-DD`, UTC) whose digest is due at `time`: today once its hour has come,
    /// nil before.
    static func dueDay(at time: Date, hour: Int) -> String? {
        guard UTC.calendar.component(.hour, from: time) >= hour else { return nil }
        return UTC.day(time)
    }
}
