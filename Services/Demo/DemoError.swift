/// A step of the demonstration that could not be taken as planned, with what to look at.
struct DemoError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
