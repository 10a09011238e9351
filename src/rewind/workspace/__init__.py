"""The workspace on disk: scanning it into a manifest, capturing contents, diffing trees."""
