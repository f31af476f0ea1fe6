"""The gateway: what a request passes before the core sees it.

Body limit, signature, replay and validation (:mod:`.signed`), rate limits,
bulkheads; errors mapped to signed answers; the unsigned answers of the
member and operator APIs and the wallet (:mod:`.plain`) and the headers of
the pages (:mod:`.pages`). Sits above the core; nothing below imports it.
"""
