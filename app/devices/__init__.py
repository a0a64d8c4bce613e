"""Port workers owning drivers, reconnect, printer dispatch. Empty in this version."""
