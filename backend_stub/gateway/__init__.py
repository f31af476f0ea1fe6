"""The gateway: what a request passes before the core sees it.

Body limit, signature, replay and validation (:mod:`.signed`), rate limits,
bulkheads; errors mapped to signed answers. Sits above the core; nothing
below imports it.
"""
