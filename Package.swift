// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "HomelabKit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "HomelabKit", targets: ["HomelabKit"]),
        .library(name: "HomelabCLI", targets: ["HomelabCLI"]),
        .library(name: "HomelabKitTesting", targets: ["HomelabKitTesting"]),
        .library(name: "HomelabSandbox", targets: ["HomelabSandbox"]),
        .executable(name: "Homelab", targets: ["Homelab"]),
        .executable(name: "HomelabBenchmarks", targets: ["HomelabBenchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // The engine: values, diagnostics, graph, planner, executor, state. Knows no resource kinds.
        .target(name: "HomelabCore", dependencies: [.product(name: "Logging", package: "swift-log")]),

        // libcurl, and the async HTTP client the providers share.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "HTTP", dependencies: ["CCurl", .product(name: "Logging", package: "swift-log")]),

        // libssh2, and the SSH client over it.
        .systemLibrary(name: "CLibSSH2", pkgConfig: "libssh2", providers: [.apt(["libssh2-1-dev"])]),
        .target(name: "SSH", dependencies: ["CLibSSH2"]),

        // Provider modules: their declarations, validation and planning.
        .target(name: "Proxmox", dependencies: ["HomelabCore", "HTTP", "HostConfig"]),
        .target(
            name: "HostConfig",
            dependencies: ["HomelabCore", "SSH", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "Kubernetes",
            dependencies: ["HomelabCore", "HTTP", .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "Kubeadm",
            dependencies: [
                "HomelabCore", "Kubernetes", "HostConfig", "SSH", .product(name: "Yams", package: "Yams"),
                .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),

        // The one import users write.
        .target(name: "HomelabKit", dependencies: ["HomelabCore", "HTTP", "SSH", "Proxmox", "HostConfig", "Kubernetes", "Kubeadm"]),
        .target(
            name: "HomelabCLI",
            dependencies: ["HomelabKit", "HomelabSandbox", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(name: "HomelabKitTesting", dependencies: ["HomelabKit", "HomelabSandbox"]),

        // Simulators that speak the real protocols (HTTPS over SwiftNIO), the machines of a lab
        // network, and the sandbox that runs a description against them (`--sandbox`, tests).
        .target(
            name: "HomelabSandbox",
            dependencies: [
                "HomelabKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Machines/DisposableRootFiles"]
        ),

        // The seed homelab, described in Swift.
        .target(name: "SeedHomelab", dependencies: ["HomelabKit"], path: "Homelab/Description"),
        .executableTarget(name: "Homelab", dependencies: ["SeedHomelab", "HomelabCLI"], path: "Homelab/Main"),
        .executableTarget(
            name: "HomelabBenchmarks", dependencies: ["HomelabKit", "HomelabKitTesting", "HomelabSandbox", "SeedHomelab", "HTTP", .product(name: "Yams", package: "Yams")]),

        .testTarget(name: "HomelabCoreTests", dependencies: ["HomelabKit", "HomelabKitTesting"]),
        .testTarget(name: "HomelabKitTests", dependencies: ["HomelabKit", "HomelabKitTesting", "SeedHomelab"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "HomelabSandbox"]),
        .testTarget(
            name: "SSHTests",
            dependencies: [
                "SSH", "HomelabKit", "HomelabKitTesting", "HomelabSandbox", "SeedHomelab", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(name: "HomelabSandboxTests", dependencies: ["HomelabSandbox", "HomelabKit", "HomelabKitTesting"]),
        .testTarget(name: "KubeadmTests", dependencies: ["HomelabKit", "Kubeadm", "SeedHomelab", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "KubernetesTests", dependencies: ["HomelabKit", "HomelabKitTesting", "HomelabSandbox", "SeedHomelab"]),
        .testTarget(
            name: "ProxmoxTests",
            dependencies: ["HomelabKit", "HomelabKitTesting", "HomelabSandbox", "SeedHomelab", .product(name: "Yams", package: "Yams")],
            exclude: ["proxmoxer_conformance.py"]
        ),
        .testTarget(
            name: "HomelabCLITests", dependencies: ["HomelabCLI", "HomelabKitTesting", "HomelabSandbox", "SlowLab", "CrashLab", "CrashCampaign", "SandboxLab", "Homelab", "SeedEdit", "SeedHomelab"]),
        // A real process for the Ctrl-C test; a test target's dependency, so `swift test` builds it.
        .executableTarget(name: "SlowLab", dependencies: ["HomelabCLI", "HomelabKitTesting"], path: "Tests/Fixtures/SlowLab"),
        // The crash campaign (issue #10): a lab against the Proxmox simulator, and the harness that
        // runs the simulator and kills the lab's applies and destroys.
        .executableTarget(name: "CrashLab", dependencies: ["HomelabCLI"], path: "Tests/Fixtures/CrashLab"),
        // A small homelab of all five stages that `SandboxTests` applies with `--sandbox`.
        .executableTarget(name: "SandboxLab", dependencies: ["HomelabCLI"], path: "Tests/Fixtures/SandboxLab"),
        // The seed with one edit (a VM's cores), applied after the seed by `SandboxTests`.
        .executableTarget(name: "SeedEdit", dependencies: ["HomelabCLI", "SeedHomelab"], path: "Tests/Fixtures/SeedEdit"),
        // The crash campaign in the sandbox: kills SandboxLab's applies and destroys at every stage.
        .executableTarget(name: "SandboxCrashCampaign", dependencies: ["HomelabKitTesting", "HomelabSandbox"], path: "Tests/Fixtures/SandboxCrashCampaign"),
        .executableTarget(name: "CrashCampaign", dependencies: ["HomelabKit", "HomelabSandbox"], path: "Tests/Fixtures/CrashCampaign"),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
