"""The fault suite: many tills paying while servers die, the network misbehaves and time jumps.

``test_fault_suite.py`` is the compact run inside ``make test``; ``make
faults`` (``python -m tests.faults``) is the full run whose table goes in the
release notes. See :mod:`tests.faults.scenarios`.
"""
