"""The POS's screens, one concept each."""
