import HomelabCore

extension Roles {
    /// `pve_network`: `/etc/network/interfaces` with the bridge on the physical NIC and a VLAN
    /// sub-interface, reloaded with `ifreload -a` when it changes.
    @DeclarationBuilder<any HostContent>
    public static func pveNetwork(
        nic: String = "nic0", bridge: String = "vmbr0", address: String = "192.168.10.2/24", gateway: String = "192.168.10.1",
        vlan: Int = 99, vlanAddress: String = "192.168.99.2/24"
    ) -> DeclarationGroup<any HostContent> {
        File(
            "/etc/network/interfaces",
            content: """
                auto lo
                iface lo inet loopback

                iface \(nic) inet manual

                auto \(bridge)
                iface \(bridge) inet static
                    address \(address)
                    gateway \(gateway)
                    bridge-ports \(nic)
                    bridge-stp off
                    bridge-fd 0

                auto \(bridge).\(vlan)
                iface \(bridge).\(vlan) inet static
                    address \(vlanAddress)

                source /etc/network/interfaces.d/*

                """)
        Command("reload-networking", ["ifreload", "-a"], watching: ["/etc/network/interfaces"])
    }
}
