"""Routing (DESIGN.md section 8): which wallet or issuer a code goes to
(:mod:`.issuers`), the rules and plans over external channels (:mod:`.config`,
:mod:`.plan`), published versions (:mod:`.versions`), guide and risk, channel
health and its monitor, and the calls to external channels (:mod:`.external`)
through the adapters in :mod:`.channels`.
"""
