"""The handheld's screens."""
