import HomelabKit

/// Every application of the seed's component inventory (k8s/clusters/homelabk8s01), with the
/// ordering its ApplicationSet could not express written as `after`.
extension SeedHomelab {
    static let repository = "https://github.com/kyleseneker/homelab.git"
    static let appTemplateRepo = "https://bjw-s-labs.github.io/helm-charts"
    static let serverSide = ["ServerSideApply=true", "ServerSideDiff=true"]

    /// A bjw-s app-template release, as every media app uses.
    static func appTemplate(
        _ name: String,
        namespace: String,
        createNamespace: Bool = false,
        after: [String] = ["arr-prereqs"]
    ) -> Application {
        Application(
            name, namespace: namespace,
            source: .helm(repo: appTemplateRepo, chart: "app-template", version: "4.6.2"),
            createNamespace: createNamespace, syncOptions: serverSide, after: after
        )
    }

    /// A directory of manifests in the seed repository.
    static func gitPath(_ name: String, namespace: String?, path: String, after: [String] = []) -> Application {
        Application(
            name, namespace: namespace, source: .git(repo: repository, path: "k8s/\(path)"),
            syncOptions: serverSide, after: after
        )
    }

    @DeclarationBuilder<any ClusterContent>
    public static var infrastructure: DeclarationGroup<any ClusterContent> {
        gitPath("gateway-api", namespace: nil, path: "components/gateway-api")
        Application(
            "cert-manager", namespace: "cert-manager",
            source: .helm(
                repo: "https://charts.jetstack.io", chart: "cert-manager", version: "v1.20.0",
                values: ["crds": ["enabled": true], "config": ["enableGatewayAPI": true]]),
            syncOptions: serverSide, after: ["gateway-api"]
        )
        gitPath(
            "gateway", namespace: "default", path: "clusters/homelabk8s01/infrastructure/gateway",
            after: ["gateway-api", "cert-manager"])
        Application(
            "local-path-provisioner", namespace: "local-path-storage",
            source: .git(repo: repository, path: "k8s/clusters/homelabk8s01/infrastructure/local-path-provisioner"),
            syncOptions: serverSide, annotations: ["argocd.argoproj.io/sync-wave": "-2"]
        )
        Application(
            "nfs-provisioner", namespace: "nfs-provisioner",
            source: .helm(
                repo: "https://kubernetes-sigs.github.io/nfs-subdir-external-provisioner",
                chart: "nfs-subdir-external-provisioner", version: "4.0.18"),
            syncOptions: serverSide
        )
        Application(
            "metrics-server", namespace: "kube-system",
            source: .helm(repo: "https://kubernetes-sigs.github.io/metrics-server", chart: "metrics-server", version: "3.13.0"),
            syncOptions: serverSide
        )
        Application(
            "reloader", namespace: "kube-system",
            source: .helm(repo: "https://stakater.github.io/stakater-charts", chart: "reloader", version: "2.2.9"),
            syncOptions: serverSide
        )
        Application(
            "descheduler", namespace: "kube-system",
            source: .helm(repo: "https://kubernetes-sigs.github.io/descheduler", chart: "descheduler", version: "0.35.1"),
            syncOptions: serverSide
        )
        Application(
            "vpa", namespace: "kube-system",
            source: .helm(repo: "https://kubernetes.github.io/autoscaler", chart: "vertical-pod-autoscaler", version: "0.8.1"),
            syncOptions: serverSide
        )
        gitPath("network-policies", namespace: nil, path: "clusters/homelabk8s01/infrastructure/network-policies")
    }

    @DeclarationBuilder<any ClusterContent>
    public static var platform: DeclarationGroup<any ClusterContent> {
        Application(
            "vault", namespace: "vault",
            source: .helm(repo: "https://helm.releases.hashicorp.com", chart: "vault", version: "0.32.0"),
            syncOptions: serverSide, after: ["nfs-provisioner"]
        )
        Application(
            "external-secrets", namespace: "external-secrets",
            source: .helm(repo: "https://charts.external-secrets.io", chart: "external-secrets", version: "2.2.0"),
            syncOptions: serverSide, annotations: ["argocd.argoproj.io/sync-wave": "-2"], after: ["vault"]
        )
        Application(
            "authentik", namespace: "auth",
            source: .helm(repo: "https://charts.goauthentik.io", chart: "authentik", version: "2026.2.1"),
            syncOptions: serverSide, after: ["external-secrets", "gateway"]
        )
        Application(
            "kyverno", namespace: "kyverno",
            source: .helm(repo: "https://kyverno.github.io/kyverno", chart: "kyverno", version: "3.7.1"),
            syncOptions: serverSide
        )
        gitPath("kyverno-policies", namespace: nil, path: "components/kyverno-policies", after: ["kyverno"])
        Application(
            "goldilocks", namespace: "goldilocks",
            source: .helm(repo: "https://charts.fairwinds.com/stable", chart: "goldilocks", version: "10.3.0"),
            syncOptions: serverSide, after: ["vpa"]
        )
        Application(
            "kube-prometheus-stack", namespace: "monitoring",
            source: .helm(
                repo: "https://prometheus-community.github.io/helm-charts", chart: "kube-prometheus-stack",
                version: "82.13.6", values: ["prometheus": ["prometheusSpec": ["retention": "15d"]]]),
            syncOptions: serverSide, after: ["local-path-provisioner"]
        )
        Application(
            "loki", namespace: "monitoring",
            source: .helm(repo: "https://grafana.github.io/helm-charts", chart: "loki", version: "6.55.0"),
            syncOptions: serverSide, after: ["kube-prometheus-stack"]
        )
        Application(
            "alloy", namespace: "monitoring",
            source: .helm(repo: "https://grafana.github.io/helm-charts", chart: "alloy", version: "1.6.2"),
            syncOptions: serverSide, after: ["loki"]
        )
        appTemplate("nut-exporter", namespace: "monitoring", after: ["kube-prometheus-stack"])
        Application(
            "minio", namespace: "backups",
            source: .helm(repo: "https://charts.min.io", chart: "minio", version: "5.4.0"),
            syncOptions: serverSide + ["SkipHooks=true"], after: ["nfs-provisioner", "external-secrets"]
        )
        Application(
            "velero", namespace: "backups",
            source: .helm(repo: "https://vmware-tanzu.github.io/helm-charts", chart: "velero", version: "12.0.0"),
            syncOptions: serverSide, after: ["minio"]
        )
        gitPath(
            "etcd-backup", namespace: "backups", path: "clusters/homelabk8s01/infrastructure/etcd-backup",
            after: ["nfs-provisioner"])
        Application(
            "intel-gpu-operator", namespace: "intel-gpu-operator",
            source: .helm(repo: "https://intel.github.io/helm-charts", chart: "intel-device-plugins-operator", version: "0.35.0"),
            syncOptions: serverSide, after: ["cert-manager"]
        )
        Application(
            "intel-gpu-plugin", namespace: "intel-gpu-operator",
            source: .helm(
                repo: "https://intel.github.io/helm-charts", chart: "intel-device-plugins-gpu", version: "0.35.0",
                values: ["sharedDevNum": 5, "nodeFeatureRule": false]),
            syncOptions: serverSide, after: ["intel-gpu-operator"]
        )
    }

    @DeclarationBuilder<any ClusterContent>
    public static var media: DeclarationGroup<any ClusterContent> {
        gitPath("arr-prereqs", namespace: nil, path: "clusters/homelabk8s01/apps/arr/prereqs", after: ["nfs-provisioner"])
        appTemplate("arr-sonarr", namespace: "arr", after: ["arr-prereqs", "local-path-provisioner"])
        appTemplate("arr-radarr", namespace: "arr", after: ["arr-prereqs", "local-path-provisioner"])
        appTemplate("arr-prowlarr", namespace: "arr")
        appTemplate("arr-bazarr", namespace: "arr")
        appTemplate("arr-jellyfin", namespace: "arr", after: ["arr-prereqs", "intel-gpu-plugin"])
        appTemplate("arr-vpn-downloads", namespace: "arr")
        appTemplate("arr-recyclarr", namespace: "arr")
        appTemplate("arr-tdarr", namespace: "arr", after: ["arr-prereqs", "intel-gpu-plugin"])
        appTemplate("arr-exportarr", namespace: "arr", after: ["arr-prereqs", "kube-prometheus-stack"])
        appTemplate("arr-flaresolverr", namespace: "arr")
        appTemplate("arr-unpackerr", namespace: "arr")
        Application(
            "arr-seerr", namespace: "arr",
            source: .helm(repo: "ghcr.io/seerr-team/seerr", chart: "seerr-chart", version: "3.3.0"),
            syncOptions: serverSide, after: ["arr-prereqs"]
        )
    }

    @DeclarationBuilder<any ClusterContent>
    public static var apps: DeclarationGroup<any ClusterContent> {
        appTemplate("homepage", namespace: "arr")
        appTemplate("uptime-kuma", namespace: "monitoring", createNamespace: true, after: ["gateway"])
        appTemplate("openclaw", namespace: "openclaw", createNamespace: true, after: ["gateway"])
    }
}
