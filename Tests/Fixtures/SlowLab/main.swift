import Foundation
import HomelabCLI
import HomelabKit
import HomelabKitTesting

// A lab whose every operation (reads too) takes SLOWLAB_LATENCY_MS (300 ms by default), so a test
// can send real signals in the middle of an apply or a refresh and check what the process does.
// Used by `InterruptTests`.
let lab = Lab("slow") {
    for index in 0..<20 { DataResource("r\(index)", input: .int(index)) }
}
let latency = ProcessInfo.processInfo.environment["SLOWLAB_LATENCY_MS"].flatMap(Int.init) ?? 300
let slowData = InMemoryProvider(name: DataResource.type.provider, latency: .milliseconds(latency))
await HomelabCommand.main(lab: lab, providers: Lab.defaultProviders.registering(slowData))
