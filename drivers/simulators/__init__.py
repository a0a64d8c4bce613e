"""Fake devices that speak the real protocols on real pseudo-terminals.

They serve the driver tests (a test opens :attr:`device_path` with ``serial_for_url``) and double
as demo devices. POSIX only (``os.openpty``).
"""
