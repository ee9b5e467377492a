import Foundation
import HomelabCore

extension KubernetesClient {
    /// Polls an object until `isReady` says so, reporting what it waits for; fails after `timeout`
    /// naming the last state seen.
    func wait(
        for what: String, apiVersion: String, kind: String, namespace: String?, name: String, timeout: Duration, interval: Duration,
        progress: @Sendable (String) -> Void, isReady: (Value) -> (ready: Bool, state: String)
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = "not found"
        var reported = ""
        while true {
            if let object = try await get(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name) {
                let (ready, state) = isReady(object)
                if ready { return }
                last = state
            }
            if last != reported {
                progress("waiting for \(what): \(last)")
                reported = last
            }
            guard ContinuousClock.now < deadline else { throw KubernetesError.timedOut("\(what) (last seen: \(last))") }
            try await Task.sleep(for: interval)
        }
    }

    /// A CRD accepted and Established; a workload rolled out (observedGeneration caught up, all
    /// replicas updated and ready); a Job complete; an ArgoCD Application Synced and Healthy.
    static func readiness(_ object: Value) -> (ready: Bool, state: String)? {
        let kind = object["kind"]?.stringValue ?? ""
        let status = object["status"] ?? .null
        let generation = object["metadata"]?["generation"]?.intValue ?? 0
        let observed = status["observedGeneration"]?.intValue ?? -1
        func condition(_ type: String) -> Bool {
            (status["conditions"]?.arrayValue ?? []).contains { $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True" }
        }
        switch kind {
        case "CustomResourceDefinition": return (condition("Established"), condition("Established") ? "Established" : "not Established yet")
        case "Deployment", "StatefulSet":
            let wanted = object["spec"]?["replicas"]?.intValue ?? 1
            let ready = status["readyReplicas"]?.intValue ?? 0
            let updated = status["updatedReplicas"]?.intValue ?? 0
            return (observed >= generation && ready >= wanted && updated >= wanted, "\(ready)/\(wanted) ready, \(updated) updated")
        case "DaemonSet":
            let wanted = status["desiredNumberScheduled"]?.intValue ?? 0
            let ready = status["numberReady"]?.intValue ?? 0
            return (observed >= generation && wanted > 0 && ready >= wanted, "\(ready)/\(wanted) ready")
        case "Job": return (condition("Complete"), condition("Complete") ? "complete" : "running")
        case "Application":
            let sync = status["sync"]?["status"]?.stringValue ?? "Unknown"
            let health = status["health"]?["status"]?.stringValue ?? "Unknown"
            return (sync == "Synced" && health == "Healthy", "\(sync), \(health)")
        default: return nil
        }
    }

    /// Waits for an applied object when its kind has a notion of ready.
    func waitUntilReady(_ object: Value, namespace: String?, options: KubernetesProvider.Options, progress: @Sendable (String) -> Void)
        async throws
    {
        let identity = ObjectIdentity(object, defaultNamespace: namespace)
        guard Self.readiness(object) != nil else { return }
        try await wait(
            for: identity.description, apiVersion: identity.apiVersion, kind: identity.kind, namespace: identity.namespace,
            name: identity.name, timeout: options.healthTimeout, interval: options.pollInterval, progress: progress
        ) { Self.readiness($0) ?? (true, "") }
    }
}
