"""rewind."""
