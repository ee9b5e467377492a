import Foundation
import HomelabCore
import Yams

/// The seed's Git-driven layout, for users who prefer ArgoCD to sync from Git: one directory per
/// Application with `config.yml` (the ApplicationSet's generator fields) and `values.yml`, and the
/// `cluster-apps` ApplicationSet that turns them into Applications.
public enum GitOpsLayout {
    /// Relative path → file content, for every Application of `cluster` in the graph.
    public static func files(for graph: ResourceGraph, cluster: String, repoURL: String) throws -> [String: String] {
        var files: [String: String] = [:]
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        for resource in graph.resources
        where resource.type == KubernetesTypes.application && resource.attributes["cluster"]?.stringValue == cluster {
            let attributes = resource.attributes
            let name = attributes["name"]?.stringValue ?? ""
            let sources = attributes["sources"]?.arrayValue ?? []
            let source = sources.first { $0["kind"]?.stringValue == "helm" } ?? sources.first ?? .null
            var config: [String: Value] = [
                "appName": .string(name), "namespace": attributes["namespace"] ?? "",
                // A chart with a directory of its own manifests beside it.
                "hasResources": .bool(source["kind"]?.stringValue == "helm" && sources.contains { $0["kind"]?.stringValue == "git" }),
                "createNamespace": .bool((attributes["syncOptions"]?.arrayValue ?? []).contains("CreateNamespace=true")),
                "syncOptions": .array((attributes["syncOptions"]?.arrayValue ?? []).filter { $0 != "CreateNamespace=true" }),
            ]
            if let annotations = attributes["annotations"]?.objectValue, !annotations.isEmpty {
                config["annotations"] = .object(annotations)
            }
            if source["kind"]?.stringValue == "helm" {
                config["sourceType"] = "helm"
                config["chartRepo"] = source["repo"] ?? .null
                config["chartName"] = source["chart"] ?? .null
                config["chartVersion"] = source["version"] ?? .null
            } else {
                config["sourceType"] = "git"
                config["gitPath"] = source["path"] ?? .null
            }
            let directory = "k8s/clusters/\(cluster)/\(name)"
            files["\(directory)/config.yml"] = try encoder.encode(Value.object(config))
            let values = source["values"] ?? .null
            files["\(directory)/values.yml"] = values == .null ? "{}\n" : try encoder.encode(values)
        }
        files["k8s/bootstrap/applicationsets/cluster-apps.yml"] = applicationSet(cluster: cluster, repoURL: repoURL)
        return files
    }

    /// Writes the files under `directory`, creating folders; returns the paths written.
    @discardableResult
    public static func write(_ files: [String: String], to directory: String) throws -> [String] {
        for (path, content) in files {
            let full = (directory as NSString).appendingPathComponent(path)
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            // Data's atomic write: String's leaves an empty TemporaryDirectory.* in /tmp on Linux.
            try Data(content.utf8).write(to: URL(fileURLWithPath: full), options: .atomic)
        }
        return files.keys.sorted()
    }

    /// The seed's `cluster-apps` ApplicationSet: a Git file generator over every `config.yml`, and a
    /// template patch that turns Helm apps into multi-source Applications with `$values`.
    static func applicationSet(cluster: String, repoURL: String) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata:
          name: cluster-apps
          namespace: argocd
        spec:
          goTemplate: true
          goTemplateOptions: ["missingkey=error"]
          generators:
          - git:
              repoURL: \(repoURL)
              revision: HEAD
              files:
              - path: "k8s/clusters/\(cluster)/**/config.yml"
          template:
            metadata:
              name: "{{ .appName }}"
              namespace: argocd
              finalizers: [resources-finalizer.argocd.argoproj.io]
            spec:
              project: default
              source:
                repoURL: \(repoURL)
                targetRevision: HEAD
              destination:
                server: https://kubernetes.default.svc
              syncPolicy:
                automated: {prune: true, selfHeal: true}
          templatePatch: |
            {{- if .annotations }}
            metadata:
              annotations:
                {{- range $key, $value := .annotations }}
                {{ $key }}: {{ $value | quote }}
                {{- end }}
            {{- end }}
            spec:
              {{- if eq .sourceType "helm" }}
              source: null
              sources:
              - repoURL: {{ .chartRepo }}
                chart: {{ .chartName }}
                targetRevision: {{ .chartVersion }}
                helm:
                  valueFiles: ["$values/{{ .path.path }}/values.yml"]
              - repoURL: \(repoURL)
                targetRevision: HEAD
                ref: values
              {{- if .hasResources }}
              - repoURL: \(repoURL)
                targetRevision: HEAD
                path: {{ .path.path }}
              {{- end }}
              {{- else }}
              source:
                repoURL: \(repoURL)
                targetRevision: HEAD
                path: {{ .gitPath }}
              {{- end }}
              destination:
                namespace: {{ .namespace }}
              syncPolicy:
                syncOptions:
                {{- range .syncOptions }}
                - {{ . }}
                {{- end }}
                {{- if .createNamespace }}
                - CreateNamespace=true
                {{- end }}
                retry:
                  limit: 10
                  backoff: {duration: 10s, maxDuration: 3m, factor: 2}

        """
    }
}
