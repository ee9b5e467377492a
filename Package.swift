// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "HomelabKit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "HomelabKit", targets: ["HomelabKit"]),
        .library(name: "HomelabCLI", targets: ["HomelabCLI"]),
        .library(name: "HomelabKitTesting", targets: ["HomelabKitTesting"]),
        .executable(name: "Homelab", targets: ["Homelab"]),
        .executable(name: "HomelabBenchmarks", targets: ["HomelabBenchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // The engine: values, diagnostics, graph, planner, executor, state. Knows no resource kinds.
        .target(name: "HomelabCore", dependencies: [.product(name: "Logging", package: "swift-log")]),

        // libcurl, and the async HTTP client the providers share.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "HTTP", dependencies: ["CCurl", .product(name: "Logging", package: "swift-log")]),

        // Provider modules: their declarations, validation and planning.
        .target(name: "Proxmox", dependencies: ["HomelabCore"]),
        .target(name: "HostConfig", dependencies: ["HomelabCore"]),
        .target(name: "Kubernetes", dependencies: ["HomelabCore"]),
        .target(name: "Kubeadm", dependencies: ["HomelabCore", "Kubernetes", "HostConfig"]),

        // The one import users write.
        .target(name: "HomelabKit", dependencies: ["HomelabCore", "Proxmox", "HostConfig", "Kubernetes", "Kubeadm"]),
        .target(
            name: "HomelabCLI",
            dependencies: ["HomelabKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(name: "HomelabKitTesting", dependencies: ["HomelabKit"]),

        // The seed homelab, described in Swift.
        .target(name: "SeedHomelab", dependencies: ["HomelabKit"], path: "Homelab/Description"),
        .executableTarget(name: "Homelab", dependencies: ["SeedHomelab", "HomelabCLI"], path: "Homelab/Main"),
        .executableTarget(name: "HomelabBenchmarks", dependencies: ["HomelabKit"]),

        .testTarget(name: "HomelabCoreTests", dependencies: ["HomelabKit", "HomelabKitTesting"]),
        .testTarget(name: "HomelabKitTests", dependencies: ["HomelabKit", "HomelabKitTesting", "SeedHomelab"]),
        .testTarget(name: "HomelabCLITests", dependencies: ["HomelabCLI", "HomelabKitTesting", "SlowLab"]),
        // A real process for the Ctrl-C test; a test target's dependency, so `swift test` builds it.
        .executableTarget(name: "SlowLab", dependencies: ["HomelabCLI", "HomelabKitTesting"], path: "Tests/Fixtures/SlowLab"),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
