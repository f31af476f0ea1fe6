"""The bundled backend: gateway, payments core, points ledger, routing, wallet page."""
