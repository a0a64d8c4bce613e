"""Files from outside → domain objects (manifests, wipe reports). Empty in this version."""
