#!/usr/bin/env bash
# Installs the system tools the test suite checks the workbooks with, when they are missing:
# LibreOffice Calc (opens, recalculates and renders workbooks), poppler (PDF to PNG and text)
# and fonts that cover currency symbols and non-Latin names.
set -euo pipefail
missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
# The sign-off pack: WeasyPrint lays text out with pango and subsets fonts with harfbuzz;
# WenQuanYi Micro Hei (5 MB) covers Chinese, Japanese and Korean names where DejaVu stops.
compgen -G "/usr/lib/*/libpangoft2-1.0.so.0" >/dev/null || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
compgen -G "/usr/lib/*/libharfbuzz-subset.so.0" >/dev/null || missing+=(libharfbuzz-subset0)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# Another apt (unattended upgrades on a fresh machine) may hold apt's locks for minutes: wait
# for them instead of failing. DPkg::Lock::Timeout makes apt wait for dpkg's frontend lock only;
# apt 2.6 still fails at once on the package lists' lock (update) and the download cache's lock,
# so a run that failed on a lock is tried again until APT_LOCK_TIMEOUT seconds have passed.
lock_timeout=${APT_LOCK_TIMEOUT:-600}
apt_get() {
    local deadline=$((SECONDS + lock_timeout)) log
    log=$(mktemp)
    while true; do
        if DEBIAN_FRONTEND=noninteractive $sudo apt-get -o "DPkg::Lock::Timeout=$lock_timeout" \
            "$@" >"$log" 2>&1; then
            rm -f "$log"
            return 0
        fi
        if ! grep -q "Could not get lock" "$log" || [ "$SECONDS" -ge "$deadline" ]; then
            cat "$log" >&2
            rm -f "$log"
            return 1
        fi
        echo "waiting for another apt to release its lock: $(grep -m1 'Could not get lock' "$log")"
        sleep 2
    done
}

echo "installing ${missing[*]}"
apt_get update -qq
apt_get install -y -qq --no-install-recommends "${missing[@]}"
