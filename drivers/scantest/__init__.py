"""The field tech's scanner test tool (``scanpay-scanner-test``) and the parts it is made of.

- :mod:`.codes`     the test codes: ours and each issuer's, a misread, a product EAN-13
- :mod:`.pictures`  those codes drawn in the terminal and saved as PNG
- :mod:`.probe`     what a scanner sends, byte by byte or key by key, and its framing
- :mod:`.session`   the scripted check: show, read, judge; the PASS/FAIL report
- :mod:`.cli`       the command line: ``list``, ``watch``, ``codes``, ``check``
"""

from .cli import main
from .codes import CHECKS, Check, checks_named
from .probe import ByteMonitor, Framing, find_framing
from .session import CheckResult, Verdict, report_lines, run_checks

__all__ = [
    "CHECKS",
    "ByteMonitor",
    "Check",
    "CheckResult",
    "Framing",
    "Verdict",
    "checks_named",
    "find_framing",
    "main",
    "report_lines",
    "run_checks",
]
