"""The books: every balance change as a ledger line (:mod:`.postings`, with
``verify``), and the daily reconciliation files (:mod:`.reconcile`).
"""
