"""Helpers shared by the step modules (not part of rewind)."""
