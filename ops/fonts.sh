#!/usr/bin/env bash
# Installs the font invoice PDFs embed (DejaVu Sans, Debian's fonts-dejavu-core) when missing.
# The host refuses to start without it (src/Modules/Invoicing/PrintingInvoices/InvoiceFonts.cs).
set -euo pipefail

dir=/usr/share/fonts/truetype/dejavu
if [ ! -f "$dir/DejaVuSans.ttf" ] || [ ! -f "$dir/DejaVuSans-Bold.ttf" ]; then
  echo "DejaVu Sans is not installed; installing fonts-dejavu-core from Debian packages..." >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq fonts-dejavu-core >&2
fi
