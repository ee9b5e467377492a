import HomelabKit

/// Every application of the seed's component inventory (k8s/clusters/homelabk8s01), with the
/// ordering its ApplicationSet could not express written as `after`.
extension SeedHomelab {
    static let repository = "https://github.com/kyleseneker/homelab.git"
    static let appTemplateRepo = "https://bjw-s-labs.github.io/helm-charts"
    static let serverSide = ["ServerSideApply=true", "ServerSideDiff=true"]

    /// A chart as the seed's ApplicationSet (`cluster-apps`) deploys one: the chart with the
    /// `values.yml` of its directory in this repository through a `$values` ref, and, when the
    /// directory has manifests of its own (`hasResources`), that directory as a third source.
    /// The reference records `hasResources` for sonarr, cert-manager and external-secrets; the
    /// other apps are declared without it.
    static func chart(
        _ name: String,
        namespace: String,
        directory: String,
        repo: String,
        chart: String,
        version: String,
        hasResources: Bool = false,
        createNamespace: Bool = false,
        syncOptions: [String] = serverSide,
        annotations: [String: String] = [:],
        after: [String] = []
    ) -> Application {
        let path = "k8s/clusters/homelabk8s01/\(directory)"
        var sources: [Application.Source] = [
            .helm(repo: repo, chart: chart, version: version, valueFiles: ["$values/\(path)/values.yml"]),
            .ref("values", repo: repository),
        ]
        if hasResources { sources.append(.git(repo: repository, path: path)) }
        return Application(
            name, namespace: namespace, sources: sources, createNamespace: createNamespace, syncOptions: syncOptions,
            annotations: annotations, after: after)
    }

    /// A bjw-s app-template release, as every media app uses.
    static func appTemplate(
        _ name: String,
        namespace: String,
        directory: String,
        hasResources: Bool = false,
        createNamespace: Bool = false,
        after: [String] = ["arr-prereqs"]
    ) -> Application {
        chart(
            name, namespace: namespace, directory: directory, repo: appTemplateRepo, chart: "app-template", version: "4.6.2",
            hasResources: hasResources, createNamespace: createNamespace, after: after)
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
        chart(
            "cert-manager", namespace: "cert-manager", directory: "infrastructure/cert-manager", repo: "https://charts.jetstack.io",
            chart: "cert-manager", version: "v1.20.0", hasResources: true, after: ["gateway-api"])
        gitPath(
            "gateway", namespace: "default", path: "clusters/homelabk8s01/infrastructure/gateway",
            after: ["gateway-api", "cert-manager"])
        Application(
            "local-path-provisioner", namespace: "local-path-storage",
            source: .git(repo: repository, path: "k8s/clusters/homelabk8s01/infrastructure/local-path-provisioner"),
            syncOptions: serverSide, annotations: ["argocd.argoproj.io/sync-wave": "-2"]
        )
        chart(
            "nfs-provisioner", namespace: "nfs-provisioner", directory: "infrastructure/nfs-provisioner",
            repo: "https://kubernetes-sigs.github.io/nfs-subdir-external-provisioner", chart: "nfs-subdir-external-provisioner",
            version: "4.0.18")
        chart(
            "metrics-server", namespace: "kube-system", directory: "infrastructure/metrics-server",
            repo: "https://kubernetes-sigs.github.io/metrics-server", chart: "metrics-server", version: "3.13.0")
        chart(
            "reloader", namespace: "kube-system", directory: "infrastructure/reloader", repo: "https://stakater.github.io/stakater-charts",
            chart: "reloader", version: "2.2.9")
        chart(
            "descheduler", namespace: "kube-system", directory: "infrastructure/descheduler",
            repo: "https://kubernetes-sigs.github.io/descheduler", chart: "descheduler", version: "0.35.1")
        chart(
            "vpa", namespace: "kube-system", directory: "infrastructure/vpa", repo: "https://kubernetes.github.io/autoscaler",
            chart: "vertical-pod-autoscaler", version: "0.8.1")
        gitPath("network-policies", namespace: nil, path: "clusters/homelabk8s01/infrastructure/network-policies")
    }

    @DeclarationBuilder<any ClusterContent>
    public static var platform: DeclarationGroup<any ClusterContent> {
        chart(
            "vault", namespace: "vault", directory: "infrastructure/vault", repo: "https://helm.releases.hashicorp.com", chart: "vault",
            version: "0.32.0", after: ["nfs-provisioner"])
        chart(
            "external-secrets", namespace: "external-secrets", directory: "infrastructure/external-secrets",
            repo: "https://charts.external-secrets.io", chart: "external-secrets", version: "2.2.0", hasResources: true,
            annotations: ["argocd.argoproj.io/sync-wave": "-2"], after: ["vault"])
        chart(
            "authentik", namespace: "auth", directory: "infrastructure/authentik", repo: "https://charts.goauthentik.io",
            chart: "authentik", version: "2026.2.1", after: ["external-secrets", "gateway"])
        chart(
            "kyverno", namespace: "kyverno", directory: "infrastructure/kyverno", repo: "https://kyverno.github.io/kyverno",
            chart: "kyverno", version: "3.7.1")
        gitPath("kyverno-policies", namespace: nil, path: "components/kyverno-policies", after: ["kyverno"])
        chart(
            "goldilocks", namespace: "goldilocks", directory: "infrastructure/goldilocks", repo: "https://charts.fairwinds.com/stable",
            chart: "goldilocks", version: "10.3.0", after: ["vpa"])
        chart(
            "kube-prometheus-stack", namespace: "monitoring", directory: "infrastructure/kube-prometheus-stack",
            repo: "https://prometheus-community.github.io/helm-charts", chart: "kube-prometheus-stack", version: "82.13.6",
            after: ["local-path-provisioner"])
        chart(
            "loki", namespace: "monitoring", directory: "infrastructure/loki", repo: "https://grafana.github.io/helm-charts",
            chart: "loki", version: "6.55.0", after: ["kube-prometheus-stack"])
        chart(
            "alloy", namespace: "monitoring", directory: "infrastructure/alloy", repo: "https://grafana.github.io/helm-charts",
            chart: "alloy", version: "1.6.2", after: ["loki"])
        appTemplate("nut-exporter", namespace: "monitoring", directory: "infrastructure/nut-exporter", after: ["kube-prometheus-stack"])
        chart(
            "minio", namespace: "backups", directory: "infrastructure/minio", repo: "https://charts.min.io", chart: "minio",
            version: "5.4.0", syncOptions: serverSide + ["SkipHooks=true"], after: ["nfs-provisioner", "external-secrets"])
        chart(
            "velero", namespace: "backups", directory: "infrastructure/velero", repo: "https://vmware-tanzu.github.io/helm-charts",
            chart: "velero", version: "12.0.0", after: ["minio"])
        gitPath(
            "etcd-backup", namespace: "backups", path: "clusters/homelabk8s01/infrastructure/etcd-backup",
            after: ["nfs-provisioner"])
        chart(
            "intel-gpu-operator", namespace: "intel-gpu-operator", directory: "infrastructure/intel-gpu-operator",
            repo: "https://intel.github.io/helm-charts", chart: "intel-device-plugins-operator", version: "0.35.0",
            after: ["cert-manager"])
        chart(
            "intel-gpu-plugin", namespace: "intel-gpu-operator", directory: "infrastructure/intel-gpu-plugin",
            repo: "https://intel.github.io/helm-charts", chart: "intel-device-plugins-gpu", version: "0.35.0",
            after: ["intel-gpu-operator"])
    }

    @DeclarationBuilder<any ClusterContent>
    public static var media: DeclarationGroup<any ClusterContent> {
        gitPath("arr-prereqs", namespace: nil, path: "clusters/homelabk8s01/apps/arr/prereqs", after: ["nfs-provisioner"])
        appTemplate(
            "arr-sonarr", namespace: "arr", directory: "apps/arr/sonarr", hasResources: true,
            after: ["arr-prereqs", "local-path-provisioner"])
        appTemplate("arr-radarr", namespace: "arr", directory: "apps/arr/radarr", after: ["arr-prereqs", "local-path-provisioner"])
        appTemplate("arr-prowlarr", namespace: "arr", directory: "apps/arr/prowlarr")
        appTemplate("arr-bazarr", namespace: "arr", directory: "apps/arr/bazarr")
        appTemplate("arr-jellyfin", namespace: "arr", directory: "apps/arr/jellyfin", after: ["arr-prereqs", "intel-gpu-plugin"])
        appTemplate("arr-vpn-downloads", namespace: "arr", directory: "apps/arr/downloads")
        appTemplate("arr-recyclarr", namespace: "arr", directory: "apps/arr/recyclarr")
        appTemplate("arr-tdarr", namespace: "arr", directory: "apps/arr/tdarr", after: ["arr-prereqs", "intel-gpu-plugin"])
        appTemplate("arr-exportarr", namespace: "arr", directory: "apps/arr/exportarr", after: ["arr-prereqs", "kube-prometheus-stack"])
        appTemplate("arr-flaresolverr", namespace: "arr", directory: "apps/arr/flaresolverr")
        appTemplate("arr-unpackerr", namespace: "arr", directory: "apps/arr/unpackerr")
        chart(
            "arr-seerr", namespace: "arr", directory: "apps/arr/seerr", repo: "ghcr.io/seerr-team/seerr", chart: "seerr-chart",
            version: "3.3.0", after: ["arr-prereqs"])
    }

    @DeclarationBuilder<any ClusterContent>
    public static var apps: DeclarationGroup<any ClusterContent> {
        appTemplate("homepage", namespace: "arr", directory: "apps/homepage")
        appTemplate("uptime-kuma", namespace: "monitoring", directory: "apps/uptime-kuma", createNamespace: true, after: ["gateway"])
        appTemplate("openclaw", namespace: "openclaw", directory: "apps/openclaw", createNamespace: true, after: ["gateway"])
    }
}
