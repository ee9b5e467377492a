import HomelabCore

extension Roles {
    /// `pve_iommu`: IOMMU on the kernel command line (then `update-grub`), the VFIO modules in
    /// `/etc/modules`, and a reboot when the command line changed.
    @DeclarationBuilder<any HostContent>
    public static func pveIommu(cmdline: String = "quiet intel_iommu=on iommu=pt") -> DeclarationGroup<any HostContent> {
        Line("/etc/default/grub", line: "GRUB_CMDLINE_LINUX_DEFAULT=\"\(cmdline)\"", matching: "^GRUB_CMDLINE_LINUX_DEFAULT=")
        Command("update-grub", ["update-grub"], watching: ["/etc/default/grub"])
        for module in ["vfio", "vfio_iommu_type1", "vfio_pci"] { KernelModule(module, file: "/etc/modules") }
        Reboot("iommu", watching: ["/etc/default/grub"], timeout: .seconds(300))
    }
}
