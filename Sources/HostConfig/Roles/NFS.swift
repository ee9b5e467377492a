import HomelabCore

extension Roles {
    /// `nfs` `install.yml`: the NFS client.
    @DeclarationBuilder<any HostContent>
    public static func nfsInstall() -> DeclarationGroup<any HostContent> {
        Package("nfs-common")
    }

    /// `nfs` `mount.yml`: the NAS export in `/etc/fstab` and mounted.
    @DeclarationBuilder<any HostContent>
    public static func nfsMount(server: String = "192.168.1.158", export: String = "/data", path: String = "/data")
        -> DeclarationGroup<any HostContent>
    {
        Command("create \(path)", ["mkdir", "-p", "--", path], creates: path)
        Line("/etc/fstab", line: "\(server):\(export) \(path) nfs vers=3,hard,intr 0 0", matching: "^\\S+\\s+\(path)\\s")
        Command("mount \(path)", ["mount", "--", path], unless: ["mountpoint", "-q", "--", path])
    }
}
