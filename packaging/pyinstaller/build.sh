#!/usr/bin/env bash
# Build the one-folder bundle in dist/itad-station and smoke-test it:
#   --version, then `self-test` (resources, serial backends, reportlab, a throwaway ledger,
#   the main window rendered offscreen). Run from anywhere; uses the project's .venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e '.[packaging]'
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/pyinstaller/itad-station.spec
echo "bundle size: $(du -sh dist/itad-station | cut -f1)"
dist/itad-station/itad-station --version
QT_QPA_PLATFORM=offscreen dist/itad-station/itad-station self-test
