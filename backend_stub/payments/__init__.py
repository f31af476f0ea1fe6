"""The payments core: codes, trades, PIN confirm, reversal, refunds and credits,
combination, members, sessions, SMS, terminals and COD.

Plain functions over a connection; the gateway hands them a
:class:`~backend_stub.context.Call`. They use routing and the ledger below.
"""
