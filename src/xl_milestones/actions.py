"""The use cases (validate, refresh, demo, new, sign-off pack), written once against ``Book``.

The command line and the ribbon macros only choose the adapter and show the result.
"""

from __future__ import annotations
