"""The udev rules file for scanners and PIN pads (package data; see the README)."""
