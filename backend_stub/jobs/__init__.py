"""Background jobs of a running server that reach across layers: the sweeper
(expired trades, nonces, rate counters, sessions). On top, like the API.
"""
