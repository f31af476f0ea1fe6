"""The operator console: one page for store IT (:mod:`.page`), its script and style."""
