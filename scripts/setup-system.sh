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
echo "installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
