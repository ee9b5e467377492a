import HomelabCLI
import HomelabKit
import HomelabKitTesting

// A lab whose every operation takes 300 ms, so a test can send a real SIGINT in the middle of an
// apply and check what the process does. Used by `InterruptTests`.
let lab = Lab("slow") {
    for index in 0..<20 { DataResource("r\(index)", input: .int(index)) }
}
let slowData = InMemoryProvider(name: DataResource.type.provider, latency: .milliseconds(300))
await HomelabCommand.main(lab: lab, providers: Lab.defaultProviders.registering(slowData))
