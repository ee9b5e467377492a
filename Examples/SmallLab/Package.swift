// swift-tools-version: 6.1
import PackageDescription

// A small lab in its own package, importing HomelabKit by path the way another infrastructure
// repository would, and adding a resource type with its own provider.
let package = Package(
    name: "SmallLab",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "HomelabKit", path: "../..")],
    targets: [
        .target(name: "SmallLabKit", dependencies: [.product(name: "HomelabKit", package: "HomelabKit")]),
        .executableTarget(
            name: "SmallLab",
            dependencies: ["SmallLabKit", .product(name: "HomelabCLI", package: "HomelabKit")]
        ),
        .testTarget(
            name: "SmallLabTests",
            dependencies: ["SmallLabKit", .product(name: "HomelabKitTesting", package: "HomelabKit")]
        ),
    ]
)
