#!/usr/bin/env bash
# Install the PyInstaller bundle (dist/itad-station) system-wide on a Linux station:
# /opt/itad-station, a launcher in /usr/local/bin, the desktop entry, icon, AppStream metadata
# and the udev rule. Run as root from the repository root after packaging/pyinstaller/build.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x dist/itad-station/itad-station ] || { echo "build the bundle first: bash packaging/pyinstaller/build.sh" >&2; exit 1; }
install -d /opt/itad-station
cp -a dist/itad-station/. /opt/itad-station/
ln -sf /opt/itad-station/itad-station /usr/local/bin/itad-station
install -Dm644 packaging/linux/io.github.itad_station.ItadStation.desktop \
  /usr/share/applications/io.github.itad_station.ItadStation.desktop
install -Dm644 resources/icons/itad-station.svg \
  /usr/share/icons/hicolor/scalable/apps/io.github.itad_station.ItadStation.svg
install -Dm644 packaging/linux/io.github.itad_station.ItadStation.metainfo.xml \
  /usr/share/metainfo/io.github.itad_station.ItadStation.metainfo.xml
install -Dm644 packaging/linux/60-itad-station.rules /etc/udev/rules.d/60-itad-station.rules
udevadm control --reload 2>/dev/null && udevadm trigger --subsystem-match=tty 2>/dev/null || true
echo "Installed. Add each station user to the dialout group: usermod -aG dialout <user>"
