import Foundation
import HomelabCore
import HomelabKit
import SeedHomelab
import Testing
import Yams

@testable import Kubeadm

/// Issue #12 point 1: every field the Swift kubeadm, kubelet and audit documents can write is a
/// field of the Go API type, with the Go type's shape: a misspelt or unknown field fails here.
@Suite struct KubeadmSchemaTests {
    /// Each document with every optional field set, so that every field is checked.
    static var fullDocuments: [(goType: String, document: any Encodable)] {
        let arg = KubeadmV1Beta4.Arg("audit-log-maxage", "7")
        let mount = KubeadmV1Beta4.HostPathMount(name: "audit", hostPath: "/a", mountPath: "/a", readOnly: true, pathType: "Directory")
        let registration = KubeadmV1Beta4.NodeRegistrationOptions(
            name: "node-1", criSocket: "unix:///run/containerd/containerd.sock",
            taints: [.init(key: "gpu", value: "intel", effect: "NoSchedule")], kubeletExtraArgs: [arg],
            ignorePreflightErrors: ["Swap"], imagePullPolicy: "IfNotPresent")
        let endpoint = KubeadmV1Beta4.APIEndpoint(advertiseAddress: "192.168.10.50", bindPort: 6443)
        let component = KubeadmV1Beta4.ControlPlaneComponent(extraArgs: [arg], extraVolumes: [mount])
        let cluster = KubeadmV1Beta4.ClusterConfiguration(
            kubernetesVersion: "v1.31.4", controlPlaneEndpoint: "192.168.10.50:6443", clusterName: "lab",
            networking: .init(serviceSubnet: "10.96.0.0/12", podSubnet: "10.244.0.0/16", dnsDomain: "cluster.local"),
            apiServer: .init(extraArgs: [arg], extraVolumes: [mount], certSANs: ["k8s.lab"]), controllerManager: component,
            scheduler: component, proxy: .init(disabled: true))
        let join = KubeadmV1Beta4.JoinConfiguration(
            nodeRegistration: registration,
            discovery: .init(
                bootstrapToken: .init(
                    token: "abcdef.0123456789abcdef", apiServerEndpoint: "192.168.10.50:6443", caCertHashes: ["sha256:00"],
                    unsafeSkipCAVerification: false),
                tlsBootstrapToken: "abcdef.0123456789abcdef"),
            controlPlane: .init(localAPIEndpoint: endpoint, certificateKey: "00"), skipPhases: ["preflight"])
        let initConfiguration = KubeadmV1Beta4.InitConfiguration(
            nodeRegistration: registration, localAPIEndpoint: endpoint, certificateKey: "00", skipPhases: ["addon/kube-proxy"])
        let kubelet = KubeletConfiguration(
            cgroupDriver: "systemd", allowedUnsafeSysctls: ["net.ipv4.conf.all.src_valid_mark"], maxPods: 110, serverTLSBootstrap: true,
            rotateCertificates: true, failSwapOn: true)
        let policy = AuditPolicy(rules: [
            .init(
                level: "RequestResponse", users: ["system:kube-proxy"], verbs: ["create"],
                resources: [.init(group: "", resources: ["secrets"])],
                namespaces: ["kube-system"], nonResourceURLs: ["/healthz*"])
        ])
        return [
            ("InitConfiguration", initConfiguration), ("ClusterConfiguration", cluster), ("JoinConfiguration", join),
            ("KubeletConfiguration", kubelet), ("Policy", policy),
        ]
    }

    @Test(arguments: 0..<5)
    func everyFieldIsAFieldOfTheGoType(_ index: Int) throws {
        let (goType, document) = Self.fullDocuments[index]
        let json = try JSONDecoder().decode(Value.self, from: try JSONEncoder().encode(document))
        var problems: [String] = []
        Self.check(json, against: goType, at: goType, problems: &problems)
        #expect(problems == [])
    }

    /// The checker itself catches a misspelt field and a wrong shape.
    @Test func aMisspeltFieldOrAWrongShapeIsCaught() throws {
        var problems: [String] = []
        Self.check(["apiVersion": "x", "kind": "y", "skipPhase": ["a"]], against: "InitConfiguration", at: "Init", problems: &problems)
        Self.check(["bindPort": "6443"], against: "APIEndpoint", at: "Endpoint", problems: &problems)
        #expect(problems == ["Init.skipPhase is not a field of InitConfiguration", "Endpoint.bindPort is a string, not int"])
    }

    /// The rendered file is YAML documents kubeadm reads: each one parses back to the same fields.
    @Test func theInitFileIsThreeYAMLDocuments() throws {
        let cluster = Cluster(
            "lab", kubernetes: "1.31.4", controlPlane: [ClusterNode("node-1", address: "192.168.10.50")], workers: ["node-2"],
            skipKubeProxy: true
        ) {}
        let file = try ClusterDocuments(cluster.settings).initFile(certificateKey: nil)
        let documents = try file.components(separatedBy: "---\n").map { try YAMLDecoder().decode(Value.self, from: $0) }
        #expect(documents.map { $0["kind"]?.stringValue } == ["InitConfiguration", "ClusterConfiguration", "KubeletConfiguration"])
        #expect(documents[0]["skipPhases"] == ["addon/kube-proxy"])
        #expect(documents[1]["proxy"]?["disabled"] == true)
        #expect(documents[1]["kubernetesVersion"] == "v1.31.4")
        for (index, goType) in ["InitConfiguration", "ClusterConfiguration", "KubeletConfiguration"].enumerated() {
            var problems: [String] = []
            Self.check(documents[index], against: goType, at: goType, problems: &problems)
            #expect(problems == [])
        }
    }

    /// The seed's cluster settings, as its Cluster compiles them.
    static func seedCluster() throws -> KubeadmClusterAttributes {
        let graph = try SeedHomelab.lab.compile()
        let attributes: Value = try #require(graph["cluster.homelabk8s01"]).attributes
        return try AttributeDecoder().decode(KubeadmClusterAttributes.self, from: attributes)
    }

    /// The seed's kubeadm-config.yml.j2, as the seed's Cluster renders it: the API server's
    /// audit flags and mounts, and kube-proxy skipped.
    @Test func theSeedsInitFile() throws {
        let documents = ClusterDocuments(try Self.seedCluster())
        let file: String = try documents.initFile(certificateKey: nil)
        let parsed: [Value] = try file.components(separatedBy: "---\n").map { try YAMLDecoder().decode(Value.self, from: $0) }
        let apiServer: Value? = parsed[1]["apiServer"]
        let arguments: [String] = (apiServer?["extraArgs"]?.arrayValue ?? []).map { item in
            "\(item["name"]?.stringValue ?? "")=\(item["value"]?.stringValue ?? "")"
        }
        let expected: [String] = [
            "advertise-address=192.168.10.50", "audit-policy-file=/etc/kubernetes/audit/audit-policy.yml",
            "audit-log-path=/var/log/kubernetes/audit/audit.log", "audit-log-maxage=7", "audit-log-maxbackup=3", "audit-log-maxsize=100",
        ]
        #expect(arguments == expected)
        let mounts: [String] = (apiServer?["extraVolumes"]?.arrayValue ?? []).compactMap { $0["hostPath"]?.stringValue }
        #expect(mounts == ["/etc/kubernetes/audit", "/var/log/kubernetes/audit"])
        let endpoint: Value? = parsed[1]["controlPlaneEndpoint"]
        #expect(endpoint == nil, "the seed has no controlPlaneEndpoint")
        let advertised: Value? = parsed[0]["localAPIEndpoint"]?["advertiseAddress"]
        #expect(advertised == "192.168.10.50")
        #expect(documents.endpoint == "192.168.10.50:6443")
    }

    /// The GPU node's join: its labels for the kubelet, the API server to discover.
    @Test func theSeedsGPUNodeJoin() throws {
        let cluster = try Self.seedCluster()
        let documents = ClusterDocuments(cluster)
        let gpu: ClusterNode = try #require(cluster.workers.last)
        let join: String = try documents.joinFile(gpu, token: "abcdef.0123456789abcdef", caCertHash: "sha256:00", certificateKey: nil)
        let document: Value = try YAMLDecoder().decode(Value.self, from: join)
        let labels: Value = [["name": "node-labels", "value": "gpu=intel,intel.feature.node.kubernetes.io/gpu=true"]]
        #expect(document["nodeRegistration"]?["kubeletExtraArgs"] == labels)
        let endpoint: Value? = document["discovery"]?["bootstrapToken"]?["apiServerEndpoint"]
        #expect(endpoint == "192.168.10.50:6443")
        var problems: [String] = []
        Self.check(document, against: "JoinConfiguration", at: "join", problems: &problems)
        #expect(problems == [])
    }

    static func check(_ value: Value, against type: String, at path: String, problems: inout [String]) {
        if type.hasPrefix("[") {
            guard let items = value.arrayValue else { return problems.append("\(path) is not a list, but \(type)") }
            for (index, item) in items.enumerated() {
                check(item, against: String(type.dropFirst().dropLast()), at: "\(path)[\(index)]", problems: &problems)
            }
        } else if type.hasPrefix("map[string]") {
            guard let members = value.objectValue else { return problems.append("\(path) is not a map, but \(type)") }
            let valueType = String(type.dropFirst("map[string]".count))
            for (key, member) in members { check(member, against: valueType, at: "\(path).\(key)", problems: &problems) }
        } else if let fields = KubernetesAPITypes.types[type] {
            guard let members = value.objectValue else { return problems.append("\(path) is not an object, but \(type)") }
            for key in members.keys.sorted() {
                guard let fieldType = fields[key], let member = members[key] else {
                    problems.append("\(path).\(key) is not a field of \(type)")
                    continue
                }
                check(member, against: fieldType, at: "\(path).\(key)", problems: &problems)
            }
        } else {
            let actual: String =
                switch value {
                case .bool: "bool"
                case .int: "int"
                case .string: "string"
                default: "\(value)"
                }
            let expected = type == "duration" ? "string" : type
            if actual != expected { problems.append("\(path) is a \(actual), not \(type)") }
        }
    }
}
