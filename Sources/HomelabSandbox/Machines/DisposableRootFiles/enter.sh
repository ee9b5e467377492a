#!/bin/sh
# Runs inside a fresh mount and PID namespace (and the test's network namespace): builds a
# disposable root from an overlay of the machine's own root, then runs the test init in it.
# Everything the tests change lands in $1/upper and vanishes with the namespaces.
set -eu
dir=$1
root=$dir/root
mount -t overlay overlay -o "lowerdir=/,upperdir=$dir/upper,workdir=$dir/work" "$root"
mount -t proc proc "$root/proc"
# The kernel is shared with the CI machine: global sysctls are read-only; net.* belongs to this
# network namespace and stays writable.
mount --bind "$root/proc/sys" "$root/proc/sys"
mount -o remount,bind,ro "$root/proc/sys"
mount --bind /proc/sys/net "$root/proc/sys/net"
# A boot id the simulated reboot can change.
mount --bind "$root/var/lib/homelab-test/boot_id" "$root/proc/sys/kernel/random/boot_id"
mount --bind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/run"
mount -t tmpfs tmpfs "$root/tmp"
exec chroot "$root" /bin/sh /usr/local/lib/homelab-test/init
