import HomelabCore

/// What a ``Cluster`` compiles to and the kubeadm provider builds: every setting of the seed's
/// kubeadm configuration, each named once, here.
public struct KubeadmClusterAttributes: Codable, Sendable, Equatable {
    public var name: String
    /// `1.31.4`.
    public var kubernetes: String
    public var controlPlane: [ClusterNode]
    public var workers: [ClusterNode]
    /// `host:port` of the API server; by default the first control plane's address and 6443.
    public var endpoint: String?
    public var podSubnet: String
    public var serviceSubnet: String
    public var apiServer: APIServerSettings
    /// kubeadm init phases to skip (`addon/kube-proxy` when the CNI replaces kube-proxy).
    public var skipPhases: [String]
    public var kubelet: KubeletConfiguration
    public var containerd: ContainerdSettings
    /// Where an upgrade finds the next version's kubeadm, kubelet and kubectl.
    public var packages: KubernetesPackages
    /// The admin kubeconfig kubeadm init wrote, read back once: known after apply, never printed.
    public var kubeconfig: Computed<Sensitive<String>>
    /// When the API server's certificate expires (ISO 8601), read on every refresh: kubeadm's
    /// certificates last a year, and the plan warns a month before.
    public var certificatesExpire: Computed<String>

    enum CodingKeys: String, CodingKey {
        case name, kubernetes, controlPlane, workers, endpoint, podSubnet, serviceSubnet, apiServer, skipPhases, kubelet, containerd
        case packages, kubeconfig, certificatesExpire
    }

    /// Every node, control planes first.
    public var nodes: [ClusterNode] { controlPlane + workers }
}

/// The API server's settings beyond the defaults (`ClusterConfiguration.apiServer`).
public struct APIServerSettings: Codable, Sendable, Equatable {
    /// Flags without their dashes, as kubeadm v1beta4 lists them (a flag may repeat).
    public var extraArgs: [KubeadmV1Beta4.Arg]
    /// Extra names on the serving certificate.
    public var certSANs: [String]
    /// Audit logging: the policy, and where and how long the log is kept.
    public var audit: AuditLog?

    public init(extraArgs: [KubeadmV1Beta4.Arg] = [], certSANs: [String] = [], audit: AuditLog? = nil) {
        self.extraArgs = extraArgs
        self.certSANs = certSANs
        self.audit = audit
    }
}

/// The API server's audit log (`--audit-policy-file`, `--audit-log-*`), with the policy written
/// to the control planes and both directories mounted into the API server's pod.
public struct AuditLog: Codable, Sendable, Equatable {
    public var policy: AuditPolicy
    public var policyFile: String
    public var logFile: String
    /// Days, files and megabytes kept (`--audit-log-maxage`, `-maxbackup`, `-maxsize`).
    public var maxAge: Int
    public var maxBackup: Int
    public var maxSize: Int

    public init(
        policy: AuditPolicy, policyFile: String = "/etc/kubernetes/audit/audit-policy.yml",
        logFile: String = "/var/log/kubernetes/audit/audit.log", maxAge: Int = 7, maxBackup: Int = 3, maxSize: Int = 100
    ) {
        self.policy = policy
        self.policyFile = policyFile
        self.logFile = logFile
        self.maxAge = maxAge
        self.maxBackup = maxBackup
        self.maxSize = maxSize
    }
}

/// An `audit.k8s.io/v1` Policy: rules matched in order, the first one deciding the level.
public struct AuditPolicy: Codable, Sendable, Equatable {
    public var apiVersion = "audit.k8s.io/v1"
    public var kind = "Policy"
    public var rules: [Rule]

    public init(rules: [Rule]) { self.rules = rules }

    public struct Rule: Codable, Sendable, Equatable {
        /// `None`, `Metadata`, `Request` or `RequestResponse`.
        public var level: String
        public var users: [String]?
        public var verbs: [String]?
        public var resources: [GroupResources]?
        public var namespaces: [String]?
        public var nonResourceURLs: [String]?

        public init(
            level: String, users: [String]? = nil, verbs: [String]? = nil, resources: [GroupResources]? = nil, namespaces: [String]? = nil,
            nonResourceURLs: [String]? = nil
        ) {
            self.level = level
            self.users = users
            self.verbs = verbs
            self.resources = resources
            self.namespaces = namespaces
            self.nonResourceURLs = nonResourceURLs
        }
    }

    public struct GroupResources: Codable, Sendable, Equatable {
        /// `""` is the core group.
        public var group: String?
        public var resources: [String]?
        public init(group: String? = nil, resources: [String]? = nil) {
            self.group = group
            self.resources = resources
        }
    }
}

/// containerd's settings on every node (`/etc/containerd/config.toml`).
public struct ContainerdSettings: Codable, Sendable, Equatable {
    /// Must match the kubelet's `cgroupDriver` (`systemd`).
    public var systemdCgroup: Bool
    /// The pause image, when it is not containerd's default.
    public var sandboxImage: String?

    public init(systemdCgroup: Bool = true, sandboxImage: String? = nil) {
        self.systemdCgroup = systemdCgroup
        self.sandboxImage = sandboxImage
    }
}
