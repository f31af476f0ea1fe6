"""The HTTP surface: one FastAPI router per audience (terminal, member,
operator, routing, COD) and the health endpoints. Thin: each route hands
its work to the gateway and the core. On top: nothing imports it.
"""
