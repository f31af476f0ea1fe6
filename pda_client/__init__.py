"""The courier's handheld: a Textual app for cash on delivery."""
