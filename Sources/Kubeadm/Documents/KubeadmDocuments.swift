/// kubeadm's configuration documents (`kubeadm.k8s.io/v1beta4`) as typed values. Field names and
/// shapes follow the Go types in kubernetes/kubernetes `cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go`
/// (json tags); `KubeadmSchemaTests` checks every field against them. A `nil` field is left out of
/// the rendered YAML, as Go's `omitempty` does, so kubeadm applies its own default.
public enum KubeadmV1Beta4 {
    public static let apiVersion = "kubeadm.k8s.io/v1beta4"

    /// A command-line flag of a control-plane component or the kubelet, without its dashes
    /// (`Arg`: v1beta4 made `extraArgs` a list, so a flag may repeat).
    public struct Arg: Codable, Sendable, Hashable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// A host directory mounted into a control-plane static pod (`HostPathMount`).
    public struct HostPathMount: Codable, Sendable, Hashable {
        public var name: String
        public var hostPath: String
        public var mountPath: String
        public var readOnly: Bool?
        /// `corev1.HostPathType`: `DirectoryOrCreate`, `Directory`, `File`, ...
        public var pathType: String?
        public init(name: String, hostPath: String, mountPath: String, readOnly: Bool? = nil, pathType: String? = nil) {
            self.name = name
            self.hostPath = hostPath
            self.mountPath = mountPath
            self.readOnly = readOnly
            self.pathType = pathType
        }
    }

    /// `corev1.Taint`.
    public struct Taint: Codable, Sendable, Hashable {
        public var key: String
        public var value: String?
        /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
        public var effect: String
        public init(key: String, value: String? = nil, effect: String) {
            self.key = key
            self.value = value
            self.effect = effect
        }
    }

    public struct APIEndpoint: Codable, Sendable, Hashable {
        public var advertiseAddress: String?
        public var bindPort: Int?
    }

    public struct NodeRegistrationOptions: Codable, Sendable, Hashable {
        public var name: String?
        public var criSocket: String?
        /// `nil` lets kubeadm taint a control plane `node-role.kubernetes.io/control-plane:NoSchedule`.
        public var taints: [Taint]?
        public var kubeletExtraArgs: [Arg]?
        public var ignorePreflightErrors: [String]?
        public var imagePullPolicy: String?
    }

    public struct InitConfiguration: Codable, Sendable, Hashable {
        public var apiVersion = KubeadmV1Beta4.apiVersion
        public var kind = "InitConfiguration"
        public var nodeRegistration: NodeRegistrationOptions?
        public var localAPIEndpoint: APIEndpoint?
        /// Encrypts the certificates `upload-certs` puts in the cluster: a one-time secret.
        public var certificateKey: String?
        public var skipPhases: [String]?
    }

    public struct ControlPlaneComponent: Codable, Sendable, Hashable {
        public var extraArgs: [Arg]?
        public var extraVolumes: [HostPathMount]?
    }

    /// `APIServer`: a control-plane component (inlined) with its certificate's extra names.
    public struct APIServer: Codable, Sendable, Hashable {
        public var extraArgs: [Arg]?
        public var extraVolumes: [HostPathMount]?
        public var certSANs: [String]?
    }

    public struct Networking: Codable, Sendable, Hashable {
        public var serviceSubnet: String?
        public var podSubnet: String?
        public var dnsDomain: String?
    }

    /// `Proxy`: the kube-proxy addon, disabled when the CNI replaces it.
    public struct Proxy: Codable, Sendable, Hashable {
        public var disabled: Bool?
    }

    public struct ClusterConfiguration: Codable, Sendable, Hashable {
        public var apiVersion = KubeadmV1Beta4.apiVersion
        public var kind = "ClusterConfiguration"
        public var kubernetesVersion: String?
        public var controlPlaneEndpoint: String?
        public var clusterName: String?
        public var networking: Networking?
        public var apiServer: APIServer?
        public var controllerManager: ControlPlaneComponent?
        public var scheduler: ControlPlaneComponent?
        public var proxy: Proxy?
    }

    public struct BootstrapTokenDiscovery: Codable, Sendable, Hashable {
        /// A one-time secret: never stored, printed or logged.
        public var token: String
        public var apiServerEndpoint: String?
        /// `sha256:<hex>` pins of the cluster CA's public key.
        public var caCertHashes: [String]?
        public var unsafeSkipCAVerification: Bool?
    }

    public struct Discovery: Codable, Sendable, Hashable {
        public var bootstrapToken: BootstrapTokenDiscovery?
        public var tlsBootstrapToken: String?
    }

    public struct JoinControlPlane: Codable, Sendable, Hashable {
        public var localAPIEndpoint: APIEndpoint?
        /// Decrypts the certificates uploaded at init: a one-time secret.
        public var certificateKey: String?
    }

    public struct JoinConfiguration: Codable, Sendable, Hashable {
        public var apiVersion = KubeadmV1Beta4.apiVersion
        public var kind = "JoinConfiguration"
        public var nodeRegistration: NodeRegistrationOptions?
        public var discovery: Discovery
        public var controlPlane: JoinControlPlane?
        public var skipPhases: [String]?
    }
}

/// The kubelet's configuration (`kubelet.config.k8s.io/v1beta1`), the fields HomelabKit sets,
/// named as kubernetes/kubernetes `staging/src/k8s.io/kubelet/config/v1beta1/types.go` names them.
public struct KubeletConfiguration: Codable, Sendable, Hashable {
    public var apiVersion = "kubelet.config.k8s.io/v1beta1"
    public var kind = "KubeletConfiguration"
    /// `systemd`, matching containerd's `SystemdCgroup = true` (kubeadm's default since 1.22).
    public var cgroupDriver: String?
    /// Unsafe sysctls pods may set (the seed allows `net.ipv4.conf.all.src_valid_mark` for Gluetun).
    public var allowedUnsafeSysctls: [String]?
    public var maxPods: Int?
    /// Request a serving certificate from the cluster instead of a self-signed one.
    public var serverTLSBootstrap: Bool?
    public var rotateCertificates: Bool?
    public var failSwapOn: Bool?

    public init(
        cgroupDriver: String? = "systemd", allowedUnsafeSysctls: [String]? = nil, maxPods: Int? = nil, serverTLSBootstrap: Bool? = nil,
        rotateCertificates: Bool? = nil, failSwapOn: Bool? = nil
    ) {
        self.cgroupDriver = cgroupDriver
        self.allowedUnsafeSysctls = allowedUnsafeSysctls
        self.maxPods = maxPods
        self.serverTLSBootstrap = serverTLSBootstrap
        self.rotateCertificates = rotateCertificates
        self.failSwapOn = failSwapOn
    }
}
