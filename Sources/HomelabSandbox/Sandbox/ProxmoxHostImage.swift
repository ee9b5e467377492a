/// What a freshly installed Proxmox VE 8 host has that the CI machine's root lacks, for the
/// sandbox's node machines: the installer's network configuration (pve-installer writes vmbr0
/// with the host's address and gateway over the first NIC, then sources interfaces.d), Debian's
/// grub defaults, the enterprise and Ceph apt sources PVE ships (which `pve_repos` removes), an
/// empty `/etc/modules`, and stand-ins for the two tools the seed's roles call that only a real
/// host has: ifupdown2's `ifreload` and grub's `update-grub`.
enum ProxmoxHostImage {
    static func files(address: String, prefix: Int, gateway: String, release: String = "bookworm") -> [String: String] {
        [
            "/etc/network/interfaces": """
            auto lo
            iface lo inet loopback

            iface eno1 inet manual

            auto vmbr0
            iface vmbr0 inet static
            \taddress \(address)/\(prefix)
            \tgateway \(gateway)
            \tbridge-ports eno1
            \tbridge-stp off
            \tbridge-fd 0

            source /etc/network/interfaces.d/*

            """,
            "/etc/network/interfaces.d/.keep": "",
            // grub-common's /etc/default/grub on Debian, as the PVE installer leaves it.
            "/etc/default/grub": """
            GRUB_DEFAULT=0
            GRUB_TIMEOUT=5
            GRUB_DISTRIBUTOR="Proxmox VE"
            GRUB_CMDLINE_LINUX_DEFAULT="quiet"
            GRUB_CMDLINE_LINUX=""

            """,
            "/etc/modules": "# /etc/modules: kernel modules to load at boot time.\n",
            "/etc/apt/sources.list.d/pve-enterprise.list": "deb https://enterprise.proxmox.com/debian/pve \(release) pve-enterprise\n",
            "/etc/apt/sources.list.d/ceph.list": "deb https://enterprise.proxmox.com/debian/ceph-quincy \(release) enterprise\n",
            // ifupdown2's `ifreload -a` applies /etc/network/interfaces; the stand-in checks that
            // the file parses as ifupdown stanzas and records the reload (the lab's bridge is
            // the sandbox's, not the file's).
            "/usr/sbin/ifreload": """
            #!/bin/sh
            # ifreload stand-in (HomelabKit sandbox): ifupdown2 reads /etc/network/interfaces.
            [ "$1" = "-a" ] || { echo "ifreload: only -a is simulated" >&2; exit 2; }
            grep -Eq '^(auto|iface|source|allow-)' /etc/network/interfaces || { echo "error: /etc/network/interfaces: no interfaces" >&2; exit 1; }
            date +%s >> /var/lib/homelab-test/ifreload.log

            """,
            // update-grub is `grub-mkconfig -o /boot/grub/grub.cfg`; the stand-in writes the
            // kernel command line the defaults give, where the next boot would read it.
            "/usr/sbin/update-grub": """
            #!/bin/sh
            # update-grub stand-in (HomelabKit sandbox): grub-mkconfig -o /boot/grub/grub.cfg.
            set -e
            . /etc/default/grub
            mkdir -p /boot/grub
            echo "linux /boot/vmlinuz root=/dev/mapper/pve-root ro $GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT" > /boot/grub/grub.cfg
            echo "Generating grub configuration file ..." >&2
            echo "done" >&2

            """,
        ]
    }
}
