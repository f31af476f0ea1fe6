"""Small widgets of the handheld's screens."""
