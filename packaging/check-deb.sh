#!/usr/bin/env bash
# Checks the Debian package that `make deb` built: its file list, conffiles
# and dependencies, then installs it into a scratch root with dpkg --root
# (maintainer scripts run chrootless, honouring $DPKG_ROOT), upgrades it with
# an edited config, removes and purges it, and runs `systemd-analyze verify`
# on the units as installed.
#
#   packaging/check-deb.sh DEB_DIR_OR_FILE
#
# Needs root or not: dpkg runs with --force-not-root. Leaves nothing behind
# (the scratch root is removed on exit, unless KEEP_ROOT=1).
set -euo pipefail

fail() {
    printf 'check-deb: FAIL: %b\n' "$*" >&2
    exit 1
}
step() { echo "check-deb: $*"; }

arg=${1:?usage: packaging/check-deb.sh DEB_DIR_OR_FILE}
if [[ -d $arg ]]; then
    debs=("$arg"/bookstation_*.deb)
    [[ -e ${debs[0]} ]] || fail "no bookstation_*.deb in $arg (run make deb)"
    # The newest one, if several versions are lying there.
    deb=$(ls -t "${debs[@]}" | head -n1)
else
    deb=$arg
fi
[[ -f $deb ]] || fail "$deb: no such package"
step "package $deb"

for tool in dpkg dpkg-deb systemd-sysusers systemd-tmpfiles systemd-analyze; do
    command -v "$tool" >/dev/null || fail "$tool not found (make deps installs it)"
done

# ---- 1. the files --------------------------------------------------------
expected=(
    ./usr/bin/bookstation
    ./usr/lib/systemd/system/bookstation.service
    ./usr/lib/systemd/system/bookstation-cage.service
    ./usr/lib/udev/rules.d/99-bookstation.rules
    ./usr/lib/modprobe.d/bookstation-blacklist-nfc.conf
    ./usr/lib/modules-load.d/bookstation.conf
    ./usr/lib/sysusers.d/bookstation.conf
    ./usr/lib/tmpfiles.d/bookstation.conf
    ./etc/bookstation/bookstation.toml
    ./usr/share/doc/bookstation/copyright
    ./usr/share/doc/bookstation/operations.md
    ./usr/share/doc/bookstation/examples/bookstation.toml
)
listing=$(dpkg-deb -c "$deb")
for f in "${expected[@]}"; do
    grep -qE " ${f//./\\.}\$" <<<"$listing" || fail "dpkg-deb -c: $f is not in the package"
done
grep -qE '^-rwxr-xr-x (root/root|0/0) .* \./usr/bin/bookstation$' <<<"$listing" ||
    fail "/usr/bin/bookstation is not root:root 0755"
grep -qE '^-rw-r----- (root/root|0/0) .* \./etc/bookstation/bookstation\.toml$' <<<"$listing" ||
    fail "/etc/bookstation/bookstation.toml is not shipped 0640 (it names staff PIN hashes)"
step "all ${#expected[@]} expected files are in the package"

conffiles=$(dpkg-deb -I "$deb" conffiles 2>/dev/null || true)
grep -qx '/etc/bookstation/bookstation.toml' <<<"$conffiles" ||
    fail "dpkg-deb -I: /etc/bookstation/bookstation.toml is not a conffile (got: ${conffiles:-none})"
step "/etc/bookstation/bookstation.toml is a conffile"

depends=$(dpkg-deb -f "$deb" Depends)
for dep in libc6 libfontconfig1 libudev1 libinput10 libxkbcommon0 systemd; do
    grep -qE "(^|, )$dep( |,|$)" <<<"$depends" || fail "Depends lacks $dep: $depends"
done
grep -qw pcscd <<<"$(dpkg-deb -f "$deb" Recommends)" || fail "Recommends lacks pcscd"
grep -qw cage <<<"$(dpkg-deb -f "$deb" Suggests)" || fail "Suggests lacks cage"
for script in postinst prerm postrm; do
    dpkg-deb -I "$deb" "$script" >/dev/null 2>&1 || fail "no $script maintainer script"
done
step "Depends: $depends"

# The packaged config must not carry a working (demo) staff login.
shipped=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./etc/bookstation/bookstation.toml)
if grep -qE '^[[:space:]]*\[\[staff\]\]' <<<"$shipped"; then
    fail "the packaged config has an active [[staff]] entry"
fi
step "the packaged config has no staff entry"

# The kiosk ships only the kiosk: no demo, no simulated district.
bin_dir=$(mktemp -d "${TMPDIR:-/tmp}/bookstation-bin.XXXXXX")
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/bookstation >"$bin_dir/bookstation"
chmod 755 "$bin_dir/bookstation"
help=$("$bin_dir/bookstation" --help)
for command in demo district-sim; do
    grep -qE "^  $command " <<<"$help" && fail "the packaged binary has the demo's command $command:\n$help"
done
sed 's/^kind = "http"$/kind = "sim"/; /^url = /d; /^token_file = /d' <<<"$shipped" >"$bin_dir/sim.toml"
out=$("$bin_dir/bookstation" run --headless --config "$bin_dir/sim.toml" 2>&1) &&
    fail "the packaged binary ran a simulated district:\n$out"
grep -q 'district.kind' <<<"$out" || fail "kind = \"sim\" was refused without naming district.kind:\n$out"
rm -rf "$bin_dir"
step "the packaged binary has no demo commands and refuses district.kind = \"sim\"; $(dpkg-deb -f "$deb" Installed-Size) KiB installed"

# ---- 2. install into a scratch root ----------------------------------------
R=$(mktemp -d "${TMPDIR:-/tmp}/bookstation-root.XXXXXX")
cleanup() {
    if [[ ${KEEP_ROOT:-0} == 1 ]]; then
        echo "check-deb: scratch root kept: $R"
    else
        rm -rf "$R"
    fi
}
trap cleanup EXIT
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/etc"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"

dpkg_r() {
    dpkg --root="$R" --force-not-root --force-script-chrootless --force-depends \
        --log=/dev/null "$@"
}

out=$(dpkg_r -i "$deb" 2>&1) || fail "dpkg -i into $R failed:\n$out"
grep -q "installed, not enabled" <<<"$out" || fail "postinst did not print the first-install note:\n$out"
step "installed into scratch root $R"

for f in "${expected[@]}"; do
    [[ -e $R/${f#./} ]] || fail "$f missing after install"
done
uid=$(awk -F: '$1 == "bookstation" { print $3 }' "$R/etc/passwd")
gid=$(awk -F: '$1 == "bookstation" { print $3 }' "$R/etc/group")
[[ -n $uid ]] || fail "no user bookstation in $R/etc/passwd (systemd-sysusers)"
[[ -n $gid ]] || fail "no group bookstation in $R/etc/group"
[[ $(awk -F: '$1 == "bookstation" { print $7 }' "$R/etc/passwd") == /usr/sbin/nologin ]] ||
    fail "user bookstation has a login shell"
for g in video render input dialout lp; do
    awk -F: -v g="$g" '$1 == g { n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == "bookstation") found = 1 }
        END { exit !found }' "$R/etc/group" || fail "bookstation is not in group $g"
done
step "user bookstation (uid $uid) exists, in groups video render input dialout lp"

state=$R/var/lib/bookstation
[[ -d $state ]] || fail "/var/lib/bookstation was not created"
[[ $(stat -c '%a %u %g' "$state") == "750 $uid $gid" ]] ||
    fail "/var/lib/bookstation is $(stat -c '%a %u:%g' "$state"), want 750 $uid:$gid"
[[ $(stat -c '%a %u %g' "$R/etc/bookstation/bookstation.toml") == "640 0 $gid" ]] ||
    fail "the config is $(stat -c '%a %u:%g' "$R/etc/bookstation/bookstation.toml"), want 640 root:bookstation"
step "/var/lib/bookstation is 0750 bookstation:bookstation; the config 0640 root:bookstation"

# ---- 3. systemd-analyze verify on the installed units ----------------------
# The scratch root gets the host's own units (sysinit.target, ...) beside
# ours, so the dependencies resolve; ExecStart= is checked inside the root,
# against the installed /usr/bin/bookstation. cage is only suggested: when
# the host has none, an empty stand-in sits at /usr/bin/cage (verify checks
# that the command exists, nothing more), and we say so.
for d in /usr/lib/systemd/system /lib/systemd/system; do
    [[ -d $d ]] && cp -an "$d/." "$R/usr/lib/systemd/system/" && break
done
# The cage unit starts with env (coreutils, on every Debian system).
cp /usr/bin/env "$R/usr/bin/env"
if [[ -x /usr/bin/cage ]]; then
    cp /usr/bin/cage "$R/usr/bin/cage"
else
    step "note: no cage on this machine; an empty stand-in /usr/bin/cage for verify only"
    printf '#!/bin/sh\nexit 1\n' >"$R/usr/bin/cage"
    chmod 755 "$R/usr/bin/cage"
fi
for unit in bookstation.service bookstation-cage.service; do
    out=$(cd "$R" && systemd-analyze verify --man=no --root="$R" "$unit" 2>&1) ||
        fail "systemd-analyze verify $unit:\n$out"
    [[ -z $out ]] || fail "systemd-analyze verify $unit warned:\n$out"
done
rm -f "$R/usr/bin/cage" "$R/usr/bin/env"
step "systemd-analyze verify --root: both units clean"

# ---- 4. upgrade with an edited config ----------------------------------------
# The operator's edit, and state the daemon wrote (a stand-in database).
sed -i 's/^id = "MAPO-HAPJEONG-01"$/id = "CHECK-DEB-EDITED"/' "$R/etc/bookstation/bookstation.toml"
grep -q '^id = "CHECK-DEB-EDITED"$' "$R/etc/bookstation/bookstation.toml" || fail "could not edit the config"
echo "pending loans" >"$state/bookstation.db"
chown "$uid:$gid" "$state/bookstation.db"

# A newer version of the same package: same files, revision bumped.
work=$(mktemp -d "${TMPDIR:-/tmp}/bookstation-deb.XXXXXX")
trap 'cleanup; rm -rf "$work"' EXIT
dpkg-deb -R "$deb" "$work/pkg"
old_version=$(dpkg-deb -f "$deb" Version)
new_version="${old_version}+checkdeb1"
sed -i "s/^Version: .*/Version: $new_version/" "$work/pkg/DEBIAN/control"
dpkg-deb --root-owner-group -Zgzip -z1 -b "$work/pkg" "$work/upgrade.deb" >/dev/null

out=$(dpkg_r -i "$work/upgrade.deb" 2>&1) || fail "upgrade $old_version -> $new_version failed:\n$out"
[[ $(dpkg_r -s bookstation | awk '/^Version:/ { print $2 }') == "$new_version" ]] || fail "upgrade did not take"
grep -q '^id = "CHECK-DEB-EDITED"$' "$R/etc/bookstation/bookstation.toml" ||
    fail "the edited config did not survive the upgrade"
[[ -f $state/bookstation.db ]] || fail "the state did not survive the upgrade"
[[ $(stat -c '%a %g' "$R/etc/bookstation/bookstation.toml") == "640 $gid" ]] ||
    fail "the config's mode changed in the upgrade"
step "upgrade $old_version -> $new_version kept the edited config and the state"

# The same version again (a reinstall) keeps it too.
out=$(dpkg_r -i "$work/upgrade.deb" 2>&1) || fail "reinstall failed:\n$out"
grep -q '^id = "CHECK-DEB-EDITED"$' "$R/etc/bookstation/bookstation.toml" ||
    fail "the edited config did not survive a reinstall"
step "reinstall kept the edited config"

# ---- 5. remove, then purge ---------------------------------------------------
out=$(dpkg_r -r bookstation 2>&1) || fail "dpkg -r failed:\n$out"
[[ ! -e $R/usr/bin/bookstation ]] || fail "remove left /usr/bin/bookstation"
[[ -f $R/etc/bookstation/bookstation.toml ]] || fail "remove deleted the config (only purge may)"
step "remove: binary gone, config kept"

out=$(dpkg_r -P bookstation 2>&1) || fail "dpkg -P failed:\n$out"
[[ ! -e $R/etc/bookstation/bookstation.toml ]] || fail "purge left the packaged config"
[[ -f $state/bookstation.db ]] || fail "purge deleted /var/lib/bookstation: unsent loans would be lost"
grep -q "kept /var/lib/bookstation" <<<"$out" || fail "purge did not say where the state is:\n$out"
grep -q '^bookstation:' "$R/etc/passwd" || fail "purge removed the system user"
step "purge: config gone; /var/lib/bookstation and the user kept, and said so"

echo "check-deb: OK"
