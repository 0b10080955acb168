// swift-tools-version: 6.1
import PackageDescription

// One module per job; the allowed arrows between them are the table of docs/ARCHITECTURE.md, which
// scripts/check-architecture.py compares with this file and with every import (it runs in `make test`).
let package = Package(
    name: "timelapser",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "timelapser", targets: ["timelapser"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        .target(
            name: "TimelapserCore"
        ),
        .target(
            name: "Database",
            dependencies: [
                "TimelapserCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "DataDirectory",
            dependencies: [
                "TimelapserCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .systemLibrary(
            name: "CVips",
            pkgConfig: "vips",
            providers: [.apt(["libvips-dev"])]
        ),
        .target(
            name: "CVipsShim",
            dependencies: ["CVips"]
        ),
        .target(
            name: "Imaging",
            dependencies: [
                "CVips", "CVipsShim",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Events",
            dependencies: [
                "TimelapserCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "ThumbnailJobs",
            dependencies: [
                "TimelapserCore", "Database", "DataDirectory", "Imaging", "Events",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Catalog",
            dependencies: [
                "TimelapserCore", "Database", "DataDirectory", "Imaging", "Events", "ThumbnailJobs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "CameraCapture",
            dependencies: [
                "TimelapserCore", "Database", "Catalog", "Imaging", "Events",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .target(
            name: "Maintenance",
            dependencies: [
                "TimelapserCore", "Database", "DataDirectory", "Imaging", "Events", "ThumbnailJobs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "ImageServing",
            dependencies: [
                "TimelapserCore", "Database", "DataDirectory", "Events", "ThumbnailJobs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Videos",
            dependencies: [
                "TimelapserCore", "Database", "DataDirectory", "Imaging", "Events", "ThumbnailJobs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "Notifications",
            dependencies: [
                "TimelapserCore", "Database", "Events",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Access",
            dependencies: [
                "TimelapserCore", "Database",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "StoragePlanning",
            dependencies: [
                "TimelapserCore", "Database", "DataDirectory", "Events", "Catalog", "Maintenance", "Videos",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Dashboard",
            resources: [.copy("Resources")]
        ),
        .target(
            name: "TimelapseExport",
            dependencies: ["TimelapserCore", "Database", "DataDirectory", "Imaging"]
        ),
        .target(
            name: "Backup",
            dependencies: [
                "TimelapserCore", "Database", "DataDirectory",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .target(
            name: "HTTPAPI",
            dependencies: [
                "TimelapserCore", "Database", "DataDirectory", "Imaging", "Events", "ThumbnailJobs", "Catalog",
                "CameraCapture", "Maintenance", "ImageServing", "Videos", "Dashboard", "Notifications", "StoragePlanning", "Access",
                "TimelapseExport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "Benchmarks",
            dependencies: [
                "TimelapserCore", "Database", "DataDirectory", "Imaging", "Events", "ThumbnailJobs",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "timelapser",
            dependencies: [
                "TimelapserCore", "Database", "DataDirectory", "Imaging", "Events", "ThumbnailJobs", "Catalog",
                "CameraCapture", "Maintenance", "ImageServing", "Videos", "HTTPAPI", "Benchmarks", "Notifications", "StoragePlanning", "Access",
                "Backup", "TimelapseExport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // Tests: one target per module that has tests, fixtures in TestSupport (never linked by the server).
        .target(
            name: "CVipsTestShim",
            dependencies: ["CVips"],
            path: "Tests/CVipsTestShim"
        ),
        .executableTarget(
            name: "ImagingFuzzer",
            dependencies: ["Imaging"],
            path: "Tests/Fuzz/ImagingFuzzer",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "TimelapserCore", "Database", "DataDirectory", "Events", "Imaging", "CVips", "CVipsShim", "CVipsTestShim",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "DatabaseTests",
            dependencies: ["Database", "DataDirectory", "TimelapserCore", "TestSupport"]
        ),
        .testTarget(
            name: "DataDirectoryTests",
            dependencies: ["DataDirectory", "TimelapserCore", "TestSupport"]
        ),
        .testTarget(
            name: "ImagingTests",
            dependencies: ["Imaging", "TestSupport"]
        ),
        .testTarget(
            name: "ThumbnailJobsTests",
            dependencies: ["ThumbnailJobs", "Catalog", "Database", "DataDirectory", "Imaging", "Events", "TimelapserCore",
                           "TestSupport"]
        ),
        .testTarget(
            name: "MaintenanceTests",
            dependencies: ["Maintenance", "ThumbnailJobs", "Catalog", "Database", "DataDirectory", "Events", "TimelapserCore",
                           "TestSupport"]
        ),
        .testTarget(
            name: "ImageServingTests",
            dependencies: ["ImageServing", "ThumbnailJobs", "Database", "DataDirectory", "Events", "TimelapserCore",
                           "TestSupport"]
        ),
        .testTarget(
            name: "VideosTests",
            dependencies: ["Videos", "Database", "Imaging", "TimelapserCore", "TestSupport"]
        ),
        .testTarget(
            name: "StoragePlanningTests",
            dependencies: ["StoragePlanning", "Database", "TimelapserCore"]
        ),
        .testTarget(
            name: "CameraCaptureTests",
            dependencies: ["CameraCapture", "TimelapserCore"]
        ),
        .testTarget(
            name: "HTTPAPITests",
            dependencies: [
                "HTTPAPI", "Database", "DataDirectory", "ThumbnailJobs", "Catalog", "CameraCapture", "Maintenance",
                "ImageServing", "Events", "Imaging", "TimelapserCore", "TestSupport", "timelapser", "Notifications", "StoragePlanning", "Access",
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
