"""Small widgets shared by the POS screens."""
