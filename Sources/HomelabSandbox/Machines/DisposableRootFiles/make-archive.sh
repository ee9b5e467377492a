#!/bin/sh
# Builds the sandbox's apt archives under the internet root $1, signed with the key in GNUPGHOME
# $2 (made on first use), from the spec file $3, one instruction a line:
#   package NAME VERSION [PAYLOAD-DIR]   a package (Architecture: all) with PAYLOAD-DIR's files
#   repo HOST PATH SUITE [COMPONENT...]  an archive at http(s)://HOST/PATH; SUITE "/" is a flat one
#   key HOST PATH                        the archive key, ASCII-armored, published there
# Every archive holds every package. The layout and Release fields are those apt reads
# (dists/SUITE/InRelease, COMPONENT/binary-amd64/Packages; a flat archive's InRelease beside its
# Packages), as debian-archive and pkgs.k8s.io serve them.
set -eu
# A published version's bytes never change, as in Debian's archive: a machine whose apt lists
# came from an earlier sandbox run (a node outlives destroy) still finds the hashes it lists. So
# every package is built reproducibly: dpkg-deb takes SOURCE_DATE_EPOCH as the ar timestamp and
# clamps the tar entries' mtimes to it (dpkg-deb(1), ENVIRONMENT).
export SOURCE_DATE_EPOCH=1704067200
root=$1
keys=$2
spec=$3
# Named after the process that runs this script, so a sandbox run that follows a killed one removes
# it (TemporaryFiles.swift); dpkg-deb's own temporary files go inside it.
work=$(mktemp -d "${TMPDIR:-/tmp}/homelabkit-$PPID-archive.XXXXXX")
export TMPDIR="$work"
trap 'gpgconf --kill gpg-agent 2>/dev/null; rm -rf "$work"' EXIT
# gpg-agent's socket lives in GNUPGHOME, whose path must fit a socket address (108 bytes): the
# keys are used from a short copy and kept in $keys.
export GNUPGHOME="$work/g"
mkdir -m 700 "$GNUPGHOME"
if [ -d "$keys" ]; then
    cp -a "$keys/." "$GNUPGHOME/"
else
    gpg --batch --quiet --passphrase '' --quick-gen-key "HomelabKit sandbox archive <sandbox@homelab.invalid>" ed25519 sign never
    gpgconf --kill gpg-agent 2>/dev/null || true
    mkdir -m 700 "$keys"
    cp -a "$GNUPGHOME/." "$keys/"
fi
rm -f "$GNUPGHOME"/S.* 2>/dev/null || true
mkdir -p "$work/debs"
release() { # DIR SUITE COMPONENTS FILES...
    dir=$1 suite=$2 components=$3
    shift 3
    {
        printf 'Origin: HomelabKit sandbox\nLabel: HomelabKit sandbox\nSuite: %s\nCodename: %s\n' "$suite" "$suite"
        printf 'Date: %s\nArchitectures: amd64 all\nComponents: %s\nSHA256:\n' "$(date -Ru)" "$components"
        for file in "$@"; do printf ' %s %s %s\n' "$(sha256sum "$dir/$file" | cut -d' ' -f1)" "$(stat -c %s "$dir/$file")" "$file"; done
    } >"$dir/Release"
    rm -f "$dir/InRelease"
    gpg --batch --quiet --clearsign -o "$dir/InRelease" "$dir/Release"
}
while read -r kind a b c d; do
    case $kind in
    package)
        package="$work/src/$a"
        mkdir -p "$package/DEBIAN" "$package/usr/share/doc/$a"
        [ -n "$c" ] && cp -a "$c/." "$package/"
        printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: HomelabKit sandbox <sandbox@homelab.invalid>\nDescription: %s (HomelabKit sandbox stand-in)\n' "$a" "$b" "$a" >"$package/DEBIAN/control"
        echo "HomelabKit sandbox stand-in for $a $b" >"$package/usr/share/doc/$a/README"
        dpkg-deb --root-owner-group --build "$package" "$work/debs/${a}_${b}_all.deb" >/dev/null
        ;;
    repo)
        base="$root/$a$b"
        components=${d:-main}
        if [ "$c" = "/" ]; then
            mkdir -p "$base"
            cp "$work"/debs/*.deb "$base/"
            (cd "$base" && dpkg-scanpackages --multiversion . 2>/dev/null >Packages)
            release "$base" "/" "" Packages
        else
            mkdir -p "$base/pool/sandbox"
            cp "$work"/debs/*.deb "$base/pool/sandbox/"
            files=""
            for component in $components; do
                mkdir -p "$base/dists/$c/$component/binary-amd64"
                (cd "$base" && dpkg-scanpackages --multiversion pool/sandbox 2>/dev/null >"dists/$c/$component/binary-amd64/Packages")
                files="$files $component/binary-amd64/Packages"
            done
            # shellcheck disable=SC2086
            release "$base/dists/$c" "$c" "$components" $files
        fi
        ;;
    key)
        mkdir -p "$(dirname "$root/$a$b")"
        gpg --batch --quiet --armor --export >"$root/$a$b"
        ;;
    esac
done <"$spec"
chmod -R a+rX "$root"
