import HomelabCore

extension Roles {
    /// `base`: upgraded, the common tools and the guest agent installed, the timezone set, and the
    /// `media` group and user (in `sudo`, passwordless).
    @DeclarationBuilder<any HostContent>
    public static func base(timezone: String = "America/Chicago", mediaUID: Int = 977, mediaGID: Int = 988) -> DeclarationGroup<
        any HostContent
    > {
        distUpgrade()
        for package in [
            "curl", "wget", "gnupg", "apt-transport-https", "ca-certificates", "software-properties-common", "htop", "vim", "jq",
            "unzip", "lsb-release", "qemu-guest-agent",
        ] {
            Package(package)
        }
        Command(
            "timezone", ["timedatectl", "set-timezone", timezone],
            unless: ["sh", "-c", "test \"$(cat /etc/timezone 2>/dev/null)\" = \"$1\"", "sh", timezone])
        Group("media", gid: mediaGID)
        User("media", uid: mediaUID, group: "media", groups: ["sudo"], shell: "/bin/bash")
        File("/etc/sudoers.d/media", content: "media ALL=(ALL) NOPASSWD:ALL\n", mode: "0440")
        Command("check sudoers", ["visudo", "-cf", "/etc/sudoers.d/media"], watching: ["/etc/sudoers.d/media"])
    }
}
