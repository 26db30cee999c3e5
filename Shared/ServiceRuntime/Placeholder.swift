import Hummingbird
import Prometheus
import ArgumentParser
import PostgresNIO
