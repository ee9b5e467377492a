#!/bin/sh
# Builds signed flat apt repositories laid out as pkgs.k8s.io serves them, one per minor version:
# $1/v1.31/ with kubeadm, kubelet and kubectl 1.31.4-1.1, and so on for each version given after
# $1. Each package records its version in /usr/share/homelab-test/versions/<tool>, which the
# kubeadm and kubelet stand-ins report. Each directory has its armored key as Release.key.
set -eu
repo=$1
shift
# Named after the process that runs this script, so a sandbox run that follows a killed one removes
# it (TemporaryFiles.swift); dpkg-deb's own temporary files go inside it.
work=$(mktemp -d "${TMPDIR:-/tmp}/homelabkit-$PPID-k8s-repo.XXXXXX")
export TMPDIR="$work"
trap 'gpgconf --kill gpg-agent 2>/dev/null; rm -rf "$work"' EXIT
export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "HomelabKit Kubernetes Test <test@homelab.invalid>" ed25519 sign never
for version in "$@"; do
    minor=$(echo "$version" | cut -d. -f1-2)
    directory="$repo/v$minor"
    mkdir -p "$directory"
    for tool in kubeadm kubelet kubectl; do
        package="$work/$tool-$version"
        mkdir -p "$package/DEBIAN" "$package/usr/share/homelab-test/versions"
        printf 'Package: %s\nVersion: %s-1.1\nArchitecture: all\nMaintainer: HomelabKit <test@homelab.invalid>\nDescription: test package\n' \
            "$tool" "$version" >"$package/DEBIAN/control"
        echo "$version" >"$package/usr/share/homelab-test/versions/$tool"
        dpkg-deb --root-owner-group --build "$package" "$directory/${tool}_${version}-1.1_all.deb" >/dev/null
    done
    (
        cd "$directory"
        dpkg-scanpackages --multiversion . 2>/dev/null >Packages
        {
            printf 'Origin: HomelabKit test\nLabel: HomelabKit test\nDate: %s\nSHA256:\n' "$(date -Ru)"
            printf ' %s %s Packages\n' "$(sha256sum Packages | cut -d' ' -f1)" "$(stat -c %s Packages)"
        } >Release
        gpg --batch --quiet --armor --export >Release.key
        gpg --batch --quiet --yes --clearsign -o InRelease Release
    )
done
chmod -R a+rX "$repo"
