import HomelabCore

extension Roles {
    /// `pve_repos`: the enterprise and Ceph sources removed, the no-subscription source added, the
    /// system upgraded and the admin tools installed.
    @DeclarationBuilder<any HostContent>
    public static func pveRepos(release: String = "bookworm") -> DeclarationGroup<any HostContent> {
        for list in ["/etc/apt/sources.list.d/pve-enterprise.list", "/etc/apt/sources.list.d/ceph.list"] {
            Command("remove \(list)", ["rm", "-f", "--", list], onlyIf: ["test", "-e", list])
        }
        AptRepository(
            "pve-no-subscription", uri: "http://download.proxmox.com/debian/pve", suite: release, components: ["pve-no-subscription"])
        distUpgrade()
        for tool in ["vim", "htop", "curl", "wget", "git", "lsof", "iotop"] { Package(tool) }
    }
}
