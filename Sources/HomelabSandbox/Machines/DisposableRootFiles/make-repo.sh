#!/bin/sh
# Builds a signed flat apt repository in $1 with two versions of the package homelab-hello and
# writes its armored public key to $1/key.asc. Used by the apt tests, which have no network.
set -eu
repo=$1
# Named after the process that runs this script, so a sandbox run that follows a killed one removes
# it (TemporaryFiles.swift); dpkg-deb's own temporary files go inside it.
work=$(mktemp -d "${TMPDIR:-/tmp}/homelabkit-$PPID-repo.XXXXXX")
export TMPDIR="$work"
trap 'gpgconf --kill gpg-agent 2>/dev/null; rm -rf "$work"' EXIT
export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
mkdir -p "$repo"
for version in 1.0 2.0; do
    package="$work/homelab-hello-$version"
    mkdir -p "$package/DEBIAN" "$package/usr/share/homelab-hello"
    printf 'Package: homelab-hello\nVersion: %s\nArchitecture: all\nMaintainer: HomelabKit <test@homelab.invalid>\nDescription: test package\n' "$version" >"$package/DEBIAN/control"
    echo "$version" >"$package/usr/share/homelab-hello/version"
    dpkg-deb --root-owner-group --build "$package" "$repo/homelab-hello_${version}_all.deb" >/dev/null
done
cd "$repo"
dpkg-scanpackages --multiversion . 2>/dev/null >Packages
{
    printf 'Origin: HomelabKit test\nLabel: HomelabKit test\nDate: %s\nSHA256:\n' "$(date -Ru)"
    printf ' %s %s Packages\n' "$(sha256sum Packages | cut -d' ' -f1)" "$(stat -c %s Packages)"
} >Release
gpg --batch --quiet --passphrase '' --quick-gen-key "HomelabKit Test <test@homelab.invalid>" ed25519 sign never
gpg --batch --quiet --armor --export >key.asc
gpg --batch --quiet --clearsign -o InRelease Release
chmod -R a+rX "$repo"
