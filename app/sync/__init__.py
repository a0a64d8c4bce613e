"""Station side of sync and the shared wire models. Empty in this version."""
