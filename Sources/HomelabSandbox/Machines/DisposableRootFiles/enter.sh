#!/bin/sh
# Runs inside a fresh mount and PID namespace (and the test's network namespace): builds a
# disposable root from an overlay of the machine's own root, then runs the test init in it.
# Everything the tests change lands in $1/upper and vanishes with the namespaces.
set -eu
dir=$1
root=$dir/root
mount -t overlay overlay -o "lowerdir=/,upperdir=$dir/upper,workdir=$dir/work" "$root"
mount -t proc proc "$root/proc"
# The kernel is shared with the CI machine: its sysctls are read-only here; net.* belongs to this
# network namespace and stays writable. As a VM has a kernel of its own, the machine gets
# writable copies of the fs.*, vm.* and kernel.* parameters, with their values at boot (what it
# sets lasts until it stops, as a kernel's do; its sysctl files set them again at boot).
mount --bind "$root/proc/sys" "$root/proc/sys"
mount -o remount,bind,ro "$root/proc/sys"
mount --bind /proc/sys/net "$root/proc/sys/net"
# The copies are staged in the machine's own folder, which goes with it (a folder in /tmp would
# stay if the machine were killed here); a boot first removes what a killed one staged.
rm -rf "$dir"/sysctl.*
for tree in fs vm kernel; do
    snapshot=$(mktemp -d "$dir/sysctl.XXXXXX")
    cp -r "/proc/sys/$tree/." "$snapshot/" 2>/dev/null || true
    mount -t tmpfs -o mode=0555 tmpfs "$root/proc/sys/$tree"
    cp -r "$snapshot/." "$root/proc/sys/$tree/" 2>/dev/null || true
    rm -rf "$snapshot"
done
# A boot id the simulated reboot can change.
mount --bind "$root/var/lib/homelab-test/boot_id" "$root/proc/sys/kernel/random/boot_id"
mount --bind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/run"
mount -t tmpfs tmpfs "$root/tmp"
exec chroot "$root" /bin/sh /usr/local/lib/homelab-test/init
