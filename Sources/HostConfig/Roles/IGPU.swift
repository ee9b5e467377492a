import HomelabCore

extension Roles {
    /// `igpu` `install.yml`: the extra kernel modules for the running kernel, i915 loaded and
    /// persisted, the VA-API driver and tools, and a udev rule opening the render nodes (rules
    /// reloaded when it changes).
    @DeclarationBuilder<any HostContent>
    public static func igpuInstall() -> DeclarationGroup<any HostContent> {
        // The package name depends on the host's running kernel (Ansible's `ansible_kernel` fact).
        Command(
            "linux-modules-extra", ["sh", "-c", AptGet.line("install -y -q linux-modules-extra-$(uname -r)")],
            unless: ["sh", "-c", "dpkg-query -W -f '${Status}' linux-modules-extra-$(uname -r) 2>/dev/null | grep -q ' installed'"])
        KernelModule("i915", file: "/etc/modules-load.d/igpu.conf")
        Package("intel-media-va-driver-non-free")
        Package("vainfo")
        File(
            "/etc/udev/rules.d/99-intel-gpu.rules",
            content: """
                SUBSYSTEM=="drm", KERNEL=="card*", MODE="0666"
                SUBSYSTEM=="drm", KERNEL=="renderD*", MODE="0666"

                """)
        Command("reload udev rules", ["udevadm", "control", "--reload-rules"], watching: ["/etc/udev/rules.d/99-intel-gpu.rules"])
        Command("trigger udev", ["udevadm", "trigger"], watching: ["/etc/udev/rules.d/99-intel-gpu.rules"])
    }
}
