import ServiceRuntime
import Hummingbird
import PostgresNIO
@main struct App { static func main() {} }
