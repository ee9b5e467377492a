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
            Node("homelabpve01", address: "192.168.10.2") {
                network
                template
                machines
            }
        }
    }

    @DeclarationBuilder<any NodeContent>
    public static var network: DeclarationGroup<any NodeContent> {
        Bridge("vmbr0", ports: ["nic0"], address: "192.168.10.2/24", gateway: "192.168.10.1", comment: "VLAN 10 (Homelab)")
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
            provisioning: ["base", "k8s_prereqs", "nfs:install", "igpu:install"],
            autoinstall: seedAutoinstall
        )
    }

    /// Packer's `http/user-data`: user media with the hash of "packer" (cloud-init replaces it on
    /// every clone), SSH with passwords for provisioning, passwordless sudo, the guest agent on.
    public static let seedAutoinstall = Autoinstall(
        hostname: "k8s-node-template",
        username: "media",
        passwordHash: "$6$homelabkitseed$V93Bu6nhJIjsSU9rdXsmaGfyIOXpPr/HfMiRTOAU3CnReik4fkhMa1Qbzixqs4vQB3EHiLy9.wUY5agaVSrXt.",
        lateCommands: [
            "echo 'media ALL=(ALL) NOPASSWD:ALL' > /target/etc/sudoers.d/media",
            "chmod 440 /target/etc/sudoers.d/media",
            "systemctl enable qemu-guest-agent --root=/target",
        ]
    )

    public static let sshKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHomelabKitSeedPublicKeyReplaceWithYours media@homelab"

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
    static var kubernetes: DeclarationGroup<any LabContent> {
        Cluster(
            "homelabk8s01",
            kubernetes: "1.31.4",
            controlPlane: ["homelabk8s01-node-1"],
            workers: ["homelabk8s01-node-2", "homelabk8s01-node-3"],
            podSubnet: "10.244.0.0/16",
            serviceSubnet: "10.96.0.0/12",
            skipKubeProxy: true
        ) {
            Cilium(
                "1.19.1", kubeProxyReplacement: true, gatewayAPI: true, l2Announcements: true,
                loadBalancerPool: "192.168.10.200-192.168.10.250"
            )
            ArgoCD(
                "v3.3.6",
                config: ["url": "https://argocd.homelab.local"],
                commandParameters: ["server.insecure": "true"]
            )
            infrastructure
            platform
            media
            apps
        }
    }

    @DeclarationBuilder<any LabContent>
    static var outputs: DeclarationGroup<any LabContent> {
        Output("control_plane_ip", value: "192.168.10.50")
        Output("node_ips", value: ["192.168.10.50", "192.168.10.51", "192.168.10.52"])
        Output("vm_ids", value: ["homelabk8s01-node-1": 200, "homelabk8s01-node-2": 201, "homelabk8s01-node-3": 202])
        Output("control_plane_vmid", resource: "vm.homelabk8s01-node-1", attribute: "vmid")
    }
}
