"""Device-side SDK shared by the POS and PDA apps: signed client, payment sessions, journal."""
