"""Use cases, one module per workflow. Permission checks live here, not only in the UI."""
