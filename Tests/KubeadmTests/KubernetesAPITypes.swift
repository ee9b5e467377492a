/// The JSON field names and types of the Kubernetes API types HomelabKit writes, transcribed
/// from their Go definitions (the json tags) so a test can hold the Swift documents against them:
///
/// - kubeadm: kubernetes/kubernetes `cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go`
///   (commit 1329935739c3aa007d23cb9a4dadfee9d59ff79b), with `corev1.Taint` from
///   `staging/src/k8s.io/api/core/v1/types.go`;
/// - kubelet: `staging/src/k8s.io/kubelet/config/v1beta1/types.go` (only the fields listed here);
/// - audit: `staging/src/k8s.io/apiserver/pkg/apis/audit/v1/types.go` (`Policy`, `PolicyRule`,
///   `GroupResources`).
///
/// A type is `string`, `bool`, `int`, `duration` (a Go duration string), `[T]`, `map[string]T`, or
/// the name of another entry here. An embedded (`json:",inline"`) struct's fields are listed in place.
enum KubernetesAPITypes {
    static let types: [String: [String: String]] = [
        "InitConfiguration": [
            "apiVersion": "string", "kind": "string", "bootstrapTokens": "[BootstrapToken]", "dryRun": "bool",
            "nodeRegistration": "NodeRegistrationOptions", "localAPIEndpoint": "APIEndpoint", "certificateKey": "string",
            "skipPhases": "[string]", "patches": "Patches", "timeouts": "Timeouts",
        ],
        "ClusterConfiguration": [
            "apiVersion": "string", "kind": "string", "etcd": "Etcd", "networking": "Networking", "kubernetesVersion": "string",
            "controlPlaneEndpoint": "string", "apiServer": "APIServer", "controllerManager": "ControlPlaneComponent",
            "scheduler": "ControlPlaneComponent", "dns": "DNS", "proxy": "Proxy", "certificatesDir": "string",
            "imageRepository": "string", "featureGates": "map[string]bool", "clusterName": "string", "encryptionAlgorithm": "string",
            "certificateValidityPeriod": "duration", "caCertificateValidityPeriod": "duration",
        ],
        "ControlPlaneComponent": ["extraArgs": "[Arg]", "extraVolumes": "[HostPathMount]", "extraEnvs": "[EnvVar]"],
        "APIServer": ["extraArgs": "[Arg]", "extraVolumes": "[HostPathMount]", "extraEnvs": "[EnvVar]", "certSANs": "[string]"],
        "DNS": ["imageRepository": "string", "imageTag": "string", "disabled": "bool"],
        "Proxy": ["disabled": "bool"],
        "APIEndpoint": ["advertiseAddress": "string", "bindPort": "int"],
        "NodeRegistrationOptions": [
            "name": "string", "criSocket": "string", "taints": "[Taint]", "kubeletExtraArgs": "[Arg]", "ignorePreflightErrors": "[string]",
            "imagePullPolicy": "string", "imagePullSerial": "bool",
        ],
        "Networking": ["serviceSubnet": "string", "podSubnet": "string", "dnsDomain": "string"],
        "JoinConfiguration": [
            "apiVersion": "string", "kind": "string", "dryRun": "bool", "nodeRegistration": "NodeRegistrationOptions",
            "caCertPath": "string", "discovery": "Discovery", "controlPlane": "JoinControlPlane", "skipPhases": "[string]",
            "patches": "Patches", "timeouts": "Timeouts",
        ],
        "JoinControlPlane": ["localAPIEndpoint": "APIEndpoint", "certificateKey": "string"],
        "Discovery": ["bootstrapToken": "BootstrapTokenDiscovery", "file": "FileDiscovery", "tlsBootstrapToken": "string"],
        "BootstrapTokenDiscovery": [
            "token": "string", "apiServerEndpoint": "string", "caCertHashes": "[string]", "unsafeSkipCAVerification": "bool",
        ],
        "FileDiscovery": ["kubeConfigPath": "string"],
        "HostPathMount": ["name": "string", "hostPath": "string", "mountPath": "string", "readOnly": "bool", "pathType": "string"],
        "Arg": ["name": "string", "value": "string"],
        "Patches": ["directory": "string"],
        "Taint": ["key": "string", "value": "string", "effect": "string", "timeAdded": "string"],
        "KubeletConfiguration": [
            "apiVersion": "string", "kind": "string", "cgroupDriver": "string", "allowedUnsafeSysctls": "[string]", "maxPods": "int",
            "serverTLSBootstrap": "bool", "rotateCertificates": "bool", "failSwapOn": "bool", "clusterDomain": "string",
            "clusterDNS": "[string]",
        ],
        "Policy": [
            "apiVersion": "string", "kind": "string", "rules": "[PolicyRule]", "omitStages": "[string]", "omitManagedFields": "bool",
        ],
        "PolicyRule": [
            "level": "string", "users": "[string]", "userGroups": "[string]", "verbs": "[string]", "resources": "[GroupResources]",
            "namespaces": "[string]", "nonResourceURLs": "[string]", "omitStages": "[string]", "omitManagedFields": "bool",
        ],
        "GroupResources": ["group": "string", "resources": "[string]", "resourceNames": "[string]"],
    ]
}
