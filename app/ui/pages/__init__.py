"""One page per workflow."""
