import ArgumentParser
@main struct Bench { static func main() {} }
