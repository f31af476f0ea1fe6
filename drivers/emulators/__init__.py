"""Device emulators: the far end of a pseudo-terminal, acting as real hardware."""
