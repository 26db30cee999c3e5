// swift-tools-version:6.0
import PackageDescription

/// CoE Workflows: four services (intake, workflow, funding, notifications) that
/// exchange JSON events through RabbitMQ and keep their state in PostgreSQL.
let package = Package(
    name: "coe-workflows",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "coe-intake", targets: ["Intake"]),
        .executable(name: "coe-workflow", targets: ["Workflow"]),
        .executable(name: "coe-funding", targets: ["Funding"]),
        .executable(name: "coe-notifications", targets: ["Notifications"]),
        .executable(name: "coe-bench", targets: ["Bench"]),
        .executable(name: "coe-demo", targets: ["Demo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.1.0"),
        .package(url: "https://github.com/swift-otel/swift-w3c-trace-context.git", from: "1.0.0"),
    ],
    targets: [
        // MARK: C wrapper
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Shared/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            path: "Shared/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        // MARK: Shared libraries
        .target(
            name: "Events",
            path: "Shared/Events",
            resources: [.copy("reference-data.json")]
        ),
        .target(
            name: "Cycle",
            dependencies: [
                "Events",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/Cycle"
        ),
        .target(
            name: "AMQP",
            dependencies: [
                "CRabbitMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/AMQP"
        ),
        .target(
            name: "Storage",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Storage"
        ),
        .target(
            name: "Messaging",
            dependencies: [
                "AMQP", "Events", "Storage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "W3CTraceContext", package: "swift-w3c-trace-context"),
            ],
            path: "Shared/Messaging",
            resources: [.copy("Migrations")]
        ),
        .target(
            name: "ServiceRuntime",
            dependencies: [
                "AMQP", "Events", "Storage", "Messaging",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Shared/ServiceRuntime",
            resources: [.copy("Migrations")]
        ),

        .target(
            name: "Pages",
            dependencies: [
                "Cycle", "Events", "ServiceRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/Pages",
            resources: [.copy("Templates"), .copy("Strings"), .copy("Assets")]
        ),

        // MARK: Services
        .executableTarget(
            name: "Intake",
            dependencies: [
                "ServiceRuntime", "Pages", "Cycle", "Events", "Storage", "Messaging",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"), .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Services/Intake",
            resources: [.copy("Storage/Migrations"), .copy("Pages"), .copy("openapi.yaml")]
        ),
        .executableTarget(
            name: "Workflow",
            dependencies: [
                "ServiceRuntime", "Pages", "Cycle", "Events", "Storage", "Messaging",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/Workflow",
            resources: [.copy("Storage/Migrations"), .copy("Pages"), .copy("openapi.yaml")]
        ),
        .executableTarget(
            name: "Funding",
            dependencies: [
                "ServiceRuntime", "Pages", "Cycle", "Events", "Storage", "Messaging",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Services/Funding",
            resources: [.copy("Storage/Migrations"), .copy("Pages"), .copy("openapi.yaml")]
        ),
        .executableTarget(
            name: "Notifications",
            dependencies: [
                "ServiceRuntime", "Pages", "Cycle", "Events", "Storage", "Messaging", "CCurl",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Services/Notifications",
            resources: [.copy("Storage/Migrations"), .copy("Pages"), .copy("Templates"), .copy("openapi.yaml")]
        ),

        // MARK: Demonstration
        .executableTarget(
            name: "Demo",
            dependencies: [
                "Cycle", "Events",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Services/Demo"
        ),

        // MARK: Benchmarks
        .executableTarget(
            name: "Bench",
            dependencies: [
                "AMQP", "Events", "Storage", "Messaging", "Cycle",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            path: "Benchmarks/Bench"
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: [
                "AMQP", "Events", "Storage", "Messaging",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                "ServiceRuntime", "Pages",
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "EventsTests",
            dependencies: ["Events"],
            path: "Tests/EventsTests"
        ),
        .testTarget(
            name: "IntakeTests",
            dependencies: ["Intake", "Events", "Messaging", "ServiceRuntime", "TestSupport"],
            path: "Tests/IntakeTests"
        ),
        .testTarget(
            name: "WorkflowTests",
            dependencies: [
                "Workflow", "Events", "Messaging", "ServiceRuntime", "Storage", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/WorkflowTests"
        ),
        .testTarget(
            name: "FundingTests",
            dependencies: [
                "Funding", "Events", "Messaging", "ServiceRuntime", "Storage", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/FundingTests"
        ),
        .testTarget(
            name: "NotificationsTests",
            dependencies: [
                "Notifications", "Events", "Messaging", "ServiceRuntime", "Storage", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/NotificationsTests"
        ),
        .testTarget(
            name: "CatalogueTests",
            dependencies: ["Intake", "Workflow", "Funding", "Notifications", "Events", "ServiceRuntime"],
            path: "Tests/CatalogueTests"
        ),
        .testTarget(
            name: "PagesTests",
            dependencies: ["Pages", "ServiceRuntime", "Events"],
            path: "Tests/PagesTests"
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: ["Storage"],
            path: "Tests/StorageTests"
        ),
        .testTarget(
            name: "MessagingTests",
            dependencies: [
                "AMQP", "Events", "Storage", "Messaging", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/MessagingTests"
        ),
        .testTarget(
            name: "ServicesTests",
            dependencies: [
                "AMQP", "Events", "Storage", "Messaging", "ServiceRuntime", "TestSupport", "Cycle", "Demo",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/ServicesTests"
        ),
    ]
)
