"""Thin Qt models over immutable rows."""
