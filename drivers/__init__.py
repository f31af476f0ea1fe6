"""Hardware: scanners, PIN pads, discovery and device URLs. Imports only ``protocol``."""
