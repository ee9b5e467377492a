import HomelabKit

/// The seed homelab (kyleseneker/homelab): one Proxmox node, a k8s-node template, three VMs and
/// cluster homelabk8s01 with Cilium, ArgoCD and every application of the component inventory.
///
/// Split into several builder properties so each body stays small and type-checks fast.
public enum SeedHomelab {
    public static let lab = Lab("homelab") {
        hypervisor
        kubernetes
        outputs
    }

    // MARK: Stages 1–3: hypervisor, template, VMs

    @DeclarationBuilder<any LabContent>
    static var hypervisor: DeclarationGroup<any LabContent> {
        Proxmox(
            endpoint: "https://192.168.10.2:8006",
            token: .environment("PROXMOX_API_TOKEN"),
            tls: .caFile("pve-root-ca.pem")
        ) {
            Node("homelabpve01", address: "192.168.10.2", ssh: NodeSSH(login: .key(sshKeyFile))) {
                HostConfiguration { hostRoles }
                network
                template
                machines
            }
        }
    }

    /// The key Ansible used (`private_key_file` in ansible.cfg).
    public static let sshKeyFile = "~/.ssh/id_ed25519_homelab"

    /// `pve-host.yml`: the node's own configuration over SSH. pve_network owns
    /// /etc/network/interfaces (vmbr0 and the VLAN 99 interface), so vmbr0 is not also declared
    /// as an API `Bridge`, which would fight over the same file.
    @DeclarationBuilder<any HostContent>
    public static var hostRoles: DeclarationGroup<any HostContent> {
        Roles.pveNetwork()
        Roles.pveRepos()
        Roles.pveIommu()
    }

    @DeclarationBuilder<any NodeContent>
    public static var network: DeclarationGroup<any NodeContent> {
        PCIMapping("igpu", path: "0000:00:02.0", description: "Intel Integrated GPU")
    }

    @DeclarationBuilder<any NodeContent>
    public static var template: DeclarationGroup<any NodeContent> {
        Template(
            "k8s-node-template",
            vmid: 9000,
            source: .iso(
                url: "https://releases.ubuntu.com/noble/ubuntu-24.04.2-live-server-amd64.iso",
                checksum: "file:https://releases.ubuntu.com/noble/SHA256SUMS",
                storage: "local"
            ),
            cores: 2,
            memory: .mib(4096),
            disk: .gib(32),
            diskStorage: "local-lvm",
            bridge: "vmbr0",
            cpuType: "host",
            scsiController: "virtio-scsi-single",
            description: "K8s-ready Ubuntu 24.04",
            provisioning: provisioning,
            autoinstall: seedAutoinstall
        )
    }

    /// Packer's `playbook.yml`: base and k8s_prereqs, then the install parts of nfs and igpu.
    /// Packer found the build VM through DHCP and the guest agent; HomelabKit needs its address
    /// (a DHCP reservation). Each build has a new host key, recorded on first use.
    public static let provisioning = TemplateProvisioning(
        address: "192.168.10.49", user: "media", login: .key(sshKeyFile), trust: .trustOnFirstUse(recordingIn: "~/.ssh/known_hosts")
    ) {
        Roles.base()
        Roles.k8sPrereqs(version: "1.31.4", minor: "1.31")
        Roles.nfsInstall()
        Roles.igpuInstall()
    }

    /// Packer's `http/user-data`: user media with the hash of "packer" (cloud-init replaces it on
    /// every clone), SSH with passwords for provisioning, passwordless sudo, the guest agent on.
    /// One change: media gets the `base` role's UID 977 and GID 988 here, in the installed system.
    /// The role sets them while provisioning is logged in as media, which usermod refuses ("user
    /// media is currently used by process"); the sandbox found it.
    public static let seedAutoinstall = Autoinstall(
        hostname: "k8s-node-template",
        username: "media",
        passwordHash: "$6$homelabkitseed$V93Bu6nhJIjsSU9rdXsmaGfyIOXpPr/HfMiRTOAU3CnReik4fkhMa1Qbzixqs4vQB3EHiLy9.wUY5agaVSrXt.",
        authorizedKeys: [sshKey],
        lateCommands: [
            "echo 'media ALL=(ALL) NOPASSWD:ALL' > /target/etc/sudoers.d/media",
            "chmod 440 /target/etc/sudoers.d/media",
            "systemctl enable qemu-guest-agent --root=/target",
            "curtin in-target --target=/target -- groupmod -g 988 media",
            "curtin in-target --target=/target -- usermod -u 977 -g 988 media",
        ]
    )

    /// A placeholder in the real format, to be replaced by your own public key: its 32 key bytes
    /// spell REPLACE-WITH-YOUR-OWN-PUBLIC-KEY (no private key exists for it).
    public static let sshKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFJFUExBQ0UtV0lUSC1ZT1VSLU9XTi1QVUJMSUMtS0VZ replace-me@homelab"

    @DeclarationBuilder<any NodeContent>
    public static var machines: DeclarationGroup<any NodeContent> {
        VM(
            "homelabk8s01-node-1", vmid: 200, from: "k8s-node-template", cores: 2, memory: .mib(8192), disk: .gib(32),
            ip: "192.168.10.50/24", gateway: "192.168.10.1", nameservers: ["192.168.10.1"], user: "media",
            sshKeys: [sshKey], tags: ["k8s", "control-plane"]
        )
        VM(
            "homelabk8s01-node-2", vmid: 201, from: "k8s-node-template", cores: 4, memory: .mib(24576), disk: .gib(64),
            ip: "192.168.10.51/24", gateway: "192.168.10.1", nameservers: ["192.168.10.1"], user: "media",
            sshKeys: [sshKey], tags: ["k8s", "worker"]
        )
        VM(
            "homelabk8s01-node-3", vmid: 202, from: "k8s-node-template", cores: 4, memory: .mib(24576), disk: .gib(64),
            ip: "192.168.10.52/24", gateway: "192.168.10.1", nameservers: ["192.168.10.1"], user: "media",
            sshKeys: [sshKey], tags: ["k8s", "worker", "gpu"], pci: ["igpu"]
        )
    }

    // MARK: Stages 4–5: kubeadm cluster and workloads

    @DeclarationBuilder<any LabContent>
    static var kubernetes: DeclarationGroup<any LabContent> { cluster }

    /// The seed's `k8s_control_plane` and `k8s_worker` roles, with what runs in the cluster.
    public static var cluster: Cluster {
        Cluster(
            "homelabk8s01",
            kubernetes: "1.31.4",
            controlPlane: ["homelabk8s01-node-1"],
            // k8s_worker labels the gpu group's node after it joins.
            workers: [
                "homelabk8s01-node-2",
                ClusterNode("homelabk8s01-node-3", labels: ["gpu": "intel", "intel.feature.node.kubernetes.io/gpu": "true"]),
            ],
            podSubnet: "10.244.0.0/16",
            serviceSubnet: "10.96.0.0/12",
            // templates/kubeadm-config.yml.j2: no controlPlaneEndpoint; the API server advertises
            // the control plane's address and logs audit events.
            apiServer: APIServerSettings(extraArgs: [.init("advertise-address", "192.168.10.50")], audit: AuditLog(policy: auditPolicy)),
            skipKubeProxy: true,
            // The VMs' cloud-init user; each clone has a new host key, recorded on first use.
            access: SSHAccess(user: "media", login: .key(sshKeyFile), trust: .trustOnFirstUse(recordingIn: "~/.ssh/known_hosts"))
        ) {
            // The role installed the CLI's latest release, checked against the checksum file next
            // to it; here the release and its checksum are pinned (the checksum as other public
            // install scripts pin it: a download that differs fails before anything runs).
            Cilium(
                "1.19.1", kubeProxyReplacement: true, gatewayAPI: true, l2Announcements: true,
                loadBalancerPool: "192.168.10.200-192.168.10.250",
                cli: CiliumCLI(version: "v0.19.2", sha256: "aa25cd2542614051573008ed18adb7d697fd78e4b0345db83d1650cdaf4492de")
            )
            // The seed's kustomization applies the release's install.yaml unpinned (Renovate tracks
            // the tag). Here the first apply records its SHA-256 and later applies refuse a
            // different one; replace with `.sha256("…")` from that first apply's output.
            ArgoCD(
                "v3.3.6",
                manifest: .trustOnFirstUse,
                config: ["url": "https://argocd.homelab.local"],
                commandParameters: ["server.insecure": "true"]
            )
            infrastructure
            platform
            media
            apps
        }
    }

    /// The seed's audit policy: nothing for health checks, reads of lists and watches, the
    /// components' own chatter; request and response for secrets, RBAC, token reviews, CSRs and
    /// changes to namespaces, nodes and volumes; metadata for everything else.
    public static let auditPolicy = AuditPolicy(rules: [
        .init(level: "None", nonResourceURLs: ["/healthz*", "/readyz*", "/livez*", "/version"]),
        .init(level: "None", verbs: ["watch", "list"]),
        .init(level: "None", users: ["system:kube-proxy", "system:apiserver"], verbs: ["get"]),
        .init(
            level: "None",
            resources: [
                .init(group: "", resources: ["endpoints", "nodes/status"]), .init(group: "coordination.k8s.io", resources: ["leases"]),
            ]
        ),
        .init(level: "RequestResponse", resources: [.init(group: "", resources: ["secrets"])]),
        .init(level: "RequestResponse", resources: [.init(group: "rbac.authorization.k8s.io")]),
        .init(
            level: "RequestResponse",
            resources: [
                .init(group: "authentication.k8s.io", resources: ["tokenreviews"]),
                .init(group: "certificates.k8s.io", resources: ["certificatesigningrequests"]),
            ]),
        .init(
            level: "RequestResponse", verbs: ["create", "update", "patch", "delete"],
            resources: [.init(group: "", resources: ["namespaces", "nodes", "persistentvolumes"])]),
        .init(level: "Metadata"),
    ])

    @DeclarationBuilder<any LabContent>
    static var outputs: DeclarationGroup<any LabContent> {
        Output("control_plane_ip", value: "192.168.10.50")
        Output("node_ips", value: ["192.168.10.50", "192.168.10.51", "192.168.10.52"])
        Output("vm_ids", value: ["homelabk8s01-node-1": 200, "homelabk8s01-node-2": 201, "homelabk8s01-node-3": 202])
        Output("control_plane_vmid", resource: "vm.homelabk8s01-node-1", attribute: "vmid")
    }
}
