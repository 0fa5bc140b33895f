#!/bin/sh
# Debian packages the test suite drives: Chromium (browser tests), PostgreSQL, Redis, and the
# Pango and DejaVu fonts that WeasyPrint needs for briefing PDFs, and poppler-utils' pdftotext,
# which the importer's fidelity test reads PDFs' text layer with.
set -e
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
{ command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || missing="$missing postgresql"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
{ ls /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1 || ls /usr/lib/libpangoft2-1.0.so.0 >/dev/null 2>&1; } || missing="$missing libpango-1.0-0 libpangoft2-1.0-0"
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != "0" ]; then
  echo "Missing Debian packages:$missing. Install them (as root: apt-get install$missing) and rerun." >&2
  exit 1
fi
echo "Installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
