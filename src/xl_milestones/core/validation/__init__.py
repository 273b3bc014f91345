"""The validation checks, each a small function of the Book yielding Found issues with a code.

``CHECKS`` is the one pass the validator makes after reading the cells (``cells.py``) and the
Settings (``settings.py``): each check in turn walks the columns it needs, and each issue it
yields is recorded at once, marking its row and cell bad for the checks after it (payment
totals skip a contract whose payment cells are bad; a contract's date window needs a good End
Date). The checks of one kind over many sheets are declared as data in ``schema.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

from xl_milestones.core.validation.contracts import (
    as_of_far,
    contract_dates,
    contract_ranges,
    converted_values,
    fx_rates,
    minor_unit_amounts,
    payment_totals,
    rate_of_one,
    reporting_currency_rate,
)
from xl_milestones.core.validation.keys import (
    currency_codes,
    predecessors,
    references,
    unique_values,
)
from xl_milestones.core.validation.rows import (
    change_order_milestones,
    change_values_unpaid,
    date_order,
    date_without_status,
    dated_after_as_of,
    milestone_progress,
    not_after_as_of,
    paid_dates,
    payment_fields,
    revised_dates,
    signoff_decisions,
    status_dates,
)
from xl_milestones.core.validation.table import Book, Found

Check = Callable[[Book], Iterable[Found]]

CHECKS: Final[tuple[Check, ...]] = (
    currency_codes,  # first: the others compare the upper-case codes
    unique_values,
    contract_dates,
    as_of_far,
    references,
    payment_fields,
    not_after_as_of,
    dated_after_as_of,
    milestone_progress,
    predecessors,
    payment_totals,  # after payment_fields, whose errors leave a contract's total unsure
    date_order,
    status_dates,
    date_without_status,
    signoff_decisions,
    change_order_milestones,
    change_values_unpaid,  # after it: a milestone of another contract is told once
    revised_dates,
    paid_dates,
    contract_ranges,  # after contract_dates and date_order, which judge the End Date
    minor_unit_amounts,  # after the errors on the amounts: a cell with one is not told twice
    fx_rates,
    converted_values,
    reporting_currency_rate,
    rate_of_one,
)

__all__ = ["CHECKS", "Book", "Check", "Found"]
