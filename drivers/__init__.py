"""Hardware protocols for barcode scanners and UHF RFID readers.

Depends only on the standard library and pyserial; never imports ``app`` or Qt. Parsers are pure
(bytes in, frames out); readers are synchronous and deadline-bound and raise the errors in
:mod:`drivers.errors`.
"""
