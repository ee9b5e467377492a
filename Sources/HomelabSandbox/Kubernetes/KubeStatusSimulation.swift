import HomelabCore

/// The status controllers would write: workloads roll out, jobs complete, CRDs become
/// Established, ArgoCD Applications become Synced and Healthy, once the delay has passed since
/// their last spec change.
enum KubeStatusSimulation {
    /// A Node's status as its kubelet reports it: `Ready` only once a CNI runs. Without one the
    /// kubelet reports `KubeletNotReady` with the runtime's network error (kubernetes/kubernetes
    /// `pkg/kubelet/nodestatus/setters.go` `ReadyCondition`, fed by `runtimeErrors`/`networkErrors`
    /// of `pkg/kubelet/kubelet.go`).
    static func nodeStatus(networkReady: Bool) -> Value {
        let ready: Value = [
            "type": "Ready", "status": networkReady ? "True" : "False", "reason": networkReady ? "KubeletReady" : "KubeletNotReady",
            "message": networkReady
                ? "kubelet is posting ready status"
                : "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"
                ,
        ]
        return ["conditions": [ready]]
    }

    static func status(of object: Value, type: KubeResourceType, ready: Bool) -> Value? {
        let generation = object["metadata"]?["generation"]?.intValue ?? 1
        let replicas = object["spec"]?["replicas"]?.intValue ?? 1
        let readyCount = ready ? replicas : 0
        func condition(_ type: String, _ status: Bool, reason: String) -> Value {
            ["type": .string(type), "status": status ? "True" : "False", "reason": .string(reason)]
        }
        switch (type.group, type.kind) {
        case ("", "Namespace"): return ["phase": object["metadata"]?["deletionTimestamp"] == nil ? "Active" : "Terminating"]
        case ("apps", "Deployment"):
            return [
                "observedGeneration": .int(ready ? generation : generation - 1), "replicas": .int(replicas),
                "updatedReplicas": .int(readyCount), "readyReplicas": .int(readyCount), "availableReplicas": .int(readyCount),
                "conditions": [
                    condition("Available", ready, reason: ready ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable"),
                    condition("Progressing", true, reason: ready ? "NewReplicaSetAvailable" : "ReplicaSetUpdated"),
                ],
            ]
        case ("apps", "StatefulSet"):
            return [
                "observedGeneration": .int(ready ? generation : generation - 1), "replicas": .int(replicas),
                "readyReplicas": .int(readyCount), "currentReplicas": .int(readyCount), "updatedReplicas": .int(readyCount),
                "availableReplicas": .int(readyCount), "currentRevision": "rev-1", "updateRevision": "rev-1",
            ]
        case ("apps", "DaemonSet"):
            return [
                "observedGeneration": .int(ready ? generation : generation - 1), "desiredNumberScheduled": 3,
                "currentNumberScheduled": 3, "numberReady": .int(ready ? 3 : 0), "updatedNumberScheduled": .int(ready ? 3 : 0),
                "numberAvailable": .int(ready ? 3 : 0),
            ]
        case ("batch", "Job"):
            return ready ? ["succeeded": 1, "conditions": [condition("Complete", true, reason: "Completed")]] : ["active": 1]
        case ("apiextensions.k8s.io", "CustomResourceDefinition"):
            return [
                "conditions": [
                    condition("NamesAccepted", true, reason: "NoConflicts"),
                    condition("Established", ready, reason: "InitialNamesAccepted"),
                ]
            ]
        case ("argoproj.io", "Application"):
            return [
                "sync": ["status": ready ? "Synced" : "OutOfSync"], "health": ["status": ready ? "Healthy" : "Progressing"],
                "observedGeneration": .int(generation),
            ]
        default:
            return nil
        }
    }
}
