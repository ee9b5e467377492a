import HomelabCore

extension Roles {
    /// `k8s_prereqs`: swap off, the bridge netfilter modules and sysctls, containerd from
    /// Docker's repository with the systemd cgroup driver, and kubelet, kubeadm and kubectl from
    /// pkgs.k8s.io pinned and held.
    @DeclarationBuilder<any HostContent>
    public static func k8sPrereqs(version: String = "1.31.4", minor: String = "1.31") -> DeclarationGroup<any HostContent> {
        Command("swapoff", ["swapoff", "-a"], onlyIf: ["sh", "-c", "test -n \"$(swapon --show --noheadings)\""])
        Command(
            "comment swap out of fstab", ["sed", "-i", "-E", "s/^([^#].*[[:space:]]swap[[:space:]].*)$/# \\1/", "/etc/fstab"],
            onlyIf: ["grep", "-qE", "^[^#].*[[:space:]]swap[[:space:]]", "/etc/fstab"])
        for module in ["overlay", "br_netfilter"] { KernelModule(module, file: "/etc/modules-load.d/k8s.conf") }
        for (key, value) in [
            ("net.bridge.bridge-nf-call-iptables", "1"), ("net.bridge.bridge-nf-call-ip6tables", "1"), ("net.ipv4.ip_forward", "1"),
            ("fs.inotify.max_user_instances", "512"), ("fs.inotify.max_user_watches", "524288"),
        ] {
            Sysctl(key, value, file: "/etc/sysctl.d/k8s.conf")
        }
        AptRepository(
            "docker", uri: "https://download.docker.com/linux/ubuntu", suite: "noble", components: ["stable"],
            key: .url("https://download.docker.com/linux/ubuntu/gpg"))
        Package("containerd.io")
        Command(
            "containerd default config", ["sh", "-c", "containerd config default > /etc/containerd/config.toml"],
            onlyIf: ["grep", "-q", "disabled_plugins.*cri", "/etc/containerd/config.toml"])
        Line("/etc/containerd/config.toml", line: "            SystemdCgroup = true", matching: "^\\s*SystemdCgroup\\s*=")
        Service("containerd", watching: ["/etc/containerd/config.toml"])
        AptRepository(
            "kubernetes-v\(minor)", uri: "https://pkgs.k8s.io/core:/stable:/v\(minor)/deb/", suite: "/",
            key: .url("https://pkgs.k8s.io/core:/stable:/v\(minor)/deb/Release.key"))
        for tool in ["kubelet", "kubeadm", "kubectl"] { Package(tool, version: "\(version)*", hold: true) }
        File("/etc/default/kubelet", content: "KUBELET_EXTRA_ARGS=--allowed-unsafe-sysctls=net.ipv4.conf.all.src_valid_mark\n")
        // Enabled only: kubelet restarts in a loop until kubeadm init or join configures it.
        Service("kubelet", running: nil)
    }
}
