#!/usr/bin/env bash
# Checks the systemd units in systemd/ without building anything:
#  - `systemd-analyze security --offline=true` rates each unit's exposure;
#    above MAX (2.5, passed x10 as systemd's --threshold wants it) fails;
#  - `systemd-analyze verify` parses each unit and resolves its
#    dependencies, in a scratch root holding the host's units and ours. The
#    commands it checks for (/usr/bin/bookstation, /usr/bin/cage) are empty
#    stand-ins here (/usr/bin/env is the host's); `make check-deb` verifies again against the installed
#    package's real binary. Any warning fails.
#
#   packaging/check-units.sh [MAX_TIMES_TEN]
set -euo pipefail

cd "$(dirname "$0")/.."
max=${1:-25}
units=(bookstation.service bookstation-cage.service)

fail() {
    printf 'check-units: FAIL: %b\n' "$*" >&2
    exit 1
}
command -v systemd-analyze >/dev/null || fail "systemd-analyze not found (make deps installs systemd)"

for unit in "${units[@]}"; do
    out=$(systemd-analyze security --offline=true --threshold="$max" "systemd/$unit" 2>&1) && rc=0 || rc=$?
    level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' <<<"$out")
    [[ -n $level ]] || fail "systemd-analyze security printed no exposure for $unit:\n$out"
    if [[ $rc -ne 0 ]]; then
        echo "$out" >&2
        fail "$unit: exposure $level is above $((max / 10)).$((max % 10))"
    fi
    echo "check-units: $unit: exposure $level (at most $((max / 10)).$((max % 10)))"
done

R=$(mktemp -d "${TMPDIR:-/tmp}/bookstation-units.XXXXXX")
trap 'rm -rf "$R"' EXIT
mkdir -p "$R/usr/lib/systemd/system" "$R/usr/bin" "$R/etc"
for d in /usr/lib/systemd/system /lib/systemd/system; do
    [[ -d $d ]] && cp -a "$d/." "$R/usr/lib/systemd/system/" && break
done
for unit in "${units[@]}"; do
    cp "systemd/$unit" "$R/usr/lib/systemd/system/$unit"
done
for cmd in bookstation cage; do
    printf '#!/bin/sh\nexit 1\n' >"$R/usr/bin/$cmd"
    chmod 755 "$R/usr/bin/$cmd"
done
# The cage unit starts with env (coreutils, on every Debian system).
cp /usr/bin/env "$R/usr/bin/env"
for unit in "${units[@]}"; do
    out=$(cd "$R" && systemd-analyze verify --man=no --root="$R" "$unit" 2>&1) ||
        fail "systemd-analyze verify $unit:\n$out"
    [[ -z $out ]] || fail "systemd-analyze verify $unit warned:\n$out"
    echo "check-units: $unit: systemd-analyze verify clean"
done
