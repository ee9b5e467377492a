import Foundation
import HomelabCore
import HostConfig
import Kubernetes

/// What the sandbox's internet serves for an ArgoCD release's `install.yaml`: the release's
/// shape without its bulk. Like upstream (argoproj/argo-cd `manifests/install.yaml`, counted from
/// 3.6.0 in `reference/kubernetes.md` §4.1) it has no Namespace and no `metadata.namespace`, three CRDs
/// (here with open schemas), the components' service accounts, config maps, secrets, services,
/// RBAC whose cluster bindings name `argocd`, six Deployments and the application controller's
/// StatefulSet. The Kubernetes simulator rolls the workloads out and reports every Application
/// Synced and Healthy, standing in for the controller that would sync them.
public enum ArgoCDStandIn {
    static let deployments = [
        "argocd-server", "argocd-repo-server", "argocd-redis", "argocd-dex-server", "argocd-applicationset-controller",
        "argocd-notifications-controller",
    ]
    static let configMaps = [
        "argocd-cm", "argocd-cmd-params-cm", "argocd-rbac-cm", "argocd-notifications-cm", "argocd-ssh-known-hosts-cm",
        "argocd-tls-certs-cm", "argocd-gpg-keys-cm",
    ]

    public static func installManifest(version: String) -> String {
        var documents: [String] = []
        for (kind, plural) in [("Application", "applications"), ("ApplicationSet", "applicationsets"), ("AppProject", "appprojects")] {
            documents.append(
                """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata:
                  name: \(plural).argoproj.io
                spec:
                  group: argoproj.io
                  scope: Namespaced
                  names: {kind: \(kind), plural: \(plural), singular: \(kind.lowercased()), listKind: \(kind)List}
                  versions:
                  - name: v1alpha1
                    served: true
                    storage: true
                    schema:
                      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
                """)
        }
        let components = deployments + ["argocd-application-controller"]
        for component in components {
            documents.append("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: \(component)")
            documents.append(
                """
                apiVersion: v1
                kind: Service
                metadata:
                  name: \(component)
                spec:
                  selector: {app.kubernetes.io/name: \(component)}
                  ports: [{name: http, port: 8080, targetPort: 8080}]
                """)
        }
        for map in configMaps { documents.append("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(map)") }
        for secret in ["argocd-secret", "argocd-notifications-secret"] {
            documents.append("apiVersion: v1\nkind: Secret\nmetadata:\n  name: \(secret)\ntype: Opaque")
        }
        for component in ["argocd-application-controller", "argocd-server", "argocd-applicationset-controller"] {
            documents.append(
                """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata:
                  name: \(component)
                rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
                """)
            documents.append(
                """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata:
                  name: \(component)
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: \(component)}
                subjects: [{kind: ServiceAccount, name: \(component), namespace: argocd}]
                """)
        }
        for component in deployments {
            documents.append(workload("Deployment", component, version: version))
        }
        documents.append(workload("StatefulSet", "argocd-application-controller", version: version))
        return documents.joined(separator: "\n---\n") + "\n"
    }

    private static func workload(_ kind: String, _ name: String, version: String) -> String {
        let image =
            name == "argocd-redis"
            ? "redis:7.2" : name == "argocd-dex-server" ? "ghcr.io/dexidp/dex:v2.41" : "quay.io/argoproj/argocd:\(version)"
        // A StatefulSet names its governing Service (required by apps/v1).
        let service = kind == "StatefulSet" ? "\n  serviceName: \(name)" : ""
        return """
            apiVersion: apps/v1
            kind: \(kind)
            metadata:
              name: \(name)
            spec:\(service)
              replicas: 1
              selector: {matchLabels: {app.kubernetes.io/name: \(name)}}
              template:
                metadata: {labels: {app.kubernetes.io/name: \(name)}}
                spec:
                  serviceAccountName: \(name)
                  containers: [{name: \(name), image: "\(image)"}]
            """
    }

    /// Publishes the stand-in at every ArgoCD's install URL under `internet`, and returns the
    /// graph with each pinned SHA-256 replaced by the stand-in's: the sandbox cannot serve the
    /// real release, so, as it swaps the Proxmox CA, it swaps the pin (a manifest trusted on first
    /// use records the stand-in's).
    static func publish(_ graph: ResourceGraph, internet: String) throws -> ResourceGraph {
        var graph = graph
        for resource in graph.resources where resource.type.name == KubernetesTypes.argocd.name {
            guard let version = resource.attributes["version"]?.stringValue, let url = resource.attributes["installURL"]?.stringValue,
                let parsed = URL(string: url), let host = parsed.host
            else { continue }
            let manifest = installManifest(version: version)
            let file = "\(internet)/\(host)\(parsed.path)"
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Sandbox.write(manifest, to: file, mode: 0o644)
            if resource.attributes["manifestSHA256"]?.stringValue != nil {
                let digest = ContentDigest.sha256(manifest)
                graph = graph.replacingAttribute("manifestSHA256", of: resource.address, with: .string(digest))
            }
        }
        return graph
    }
}
