import Foundation

/// The services' calendar: money's dates are UTC days (`YYYY-MM-DD`), an approval's year its
/// UTC year, a digest's day and a mail's `Date` are UTC.
public enum UTC {
    public static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    public static func year(of date: Date) -> Int { calendar.component(.year, from: date) }

    /// `YYYY-MM-DD`.
    public static func day(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    public static func dateTime(_ date: Date) -> String {
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        return day(date) + String(format: "T%02d:%02d:%02dZ", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }
}
