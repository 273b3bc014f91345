"""Which milestones cannot be computed without guessing (docs/decisions.md), in linear time.

A milestone is skipped when its own row, its contract's row or a row feeding it has an error,
or an error on a sheet that feeds every milestone; the skip then spreads to the milestones that
depend on it: its successors, and the other payment milestones of its contract.
"""

from __future__ import annotations

from typing import Final

from xl_milestones.core.schema import (
    APPROVAL_RULES,
    CHANGE_ORDERS,
    CONTRACTS,
    DELIVERABLES,
    FX_RATES,
    HOLIDAYS,
    INVOICES,
    ISSUES,
    MILESTONES,
    SETTINGS,
    SIGNOFFS,
)
from xl_milestones.core.validation.table import Book

# Sheets whose rows feed every milestone: an error there leaves nothing safe to compute.
_GLOBAL_SHEETS: Final = (SETTINGS.key, APPROVAL_RULES.key, HOLIDAYS.key)
# Sheets whose rows feed one milestone, through their Milestone ID.
_FEEDING_SHEETS: Final = (DELIVERABLES.key, SIGNOFFS.key, INVOICES.key, ISSUES.key)


def skipped_milestones(book: Book) -> set[int]:
    """The indices of the Milestones rows that cannot be computed."""
    table = book.tables[MILESTONES.key]
    everything = set(range(len(table)))
    if any(book.tables[key].error for key in _GLOBAL_SHEETS):
        return everything
    bad_contracts = {
        book.column(CONTRACTS.key, "contract_id")[i] for i in _errors(book, CONTRACTS.key)
    }
    bad_milestones: set[str] = set()
    for key in _FEEDING_SHEETS:
        ids = book.column(key, "milestone_id")
        bad_milestones.update(ids[i] for i in _errors(book, key) if ids[i] is not None)
    change = book.tables[CHANGE_ORDERS.key].columns
    for i in _errors(book, CHANGE_ORDERS.key):
        if change["milestone_id"][i] is not None:
            bad_milestones.add(change["milestone_id"][i])
        elif change["contract_id"][i] is not None:
            bad_contracts.add(change["contract_id"][i])
    fx_currencies = book.column(FX_RATES.key, "currency")
    bad_currencies: set[str] = set()
    for i in _errors(book, FX_RATES.key):
        if fx_currencies[i] is None:
            return everything
        bad_currencies.add(fx_currencies[i])
    if bad_currencies:
        contracts = book.tables[CONTRACTS.key].columns
        for cid, cur in zip(contracts["contract_id"], contracts["currency"], strict=True):
            if cur in bad_currencies:
                bad_contracts.add(cid)
    ids, cids = table.columns["milestone_id"], table.columns["contract_id"]
    bad_milestones.update(ids[i] for i in table.error if ids[i] is not None)
    skipped = set(table.error)
    skipped.update(
        i
        for i, (mid, cid) in enumerate(zip(ids, cids, strict=True))
        if cid in bad_contracts or mid in bad_milestones
    )
    return spread_skips(book, skipped)


def _errors(book: Book, key: str) -> list[int]:
    """The indices of ``key``'s rows with an error, in row order."""
    return sorted(book.tables[key].error)


def spread_skips(book: Book, skipped: set[int]) -> set[int]:
    """``skipped`` grown by every milestone whose results depend on a skipped one.

    Payments of a contract are computed together (retention limits, advance recovery, damages
    caps, retention releases): one payment milestone that cannot be computed leaves the others
    of its contract unknown too. Status runs along predecessors. Each row is queued at most
    once and each contract's payment milestones are added at most once, so the walk is linear
    in the rows and links.
    """
    if not skipped:
        return skipped
    table = book.tables[MILESTONES.key]
    columns = table.columns
    ids, cids, bases = columns["milestone_id"], columns["contract_id"], columns["payment_basis"]
    successors: dict[str, list[int]] = {}
    paying: dict[str, list[int]] = {}
    for i, (preds, cid, basis) in enumerate(zip(columns["predecessors"], cids, bases, strict=True)):
        for p in preds or ():
            successors.setdefault(p, []).append(i)
        if cid is not None and basis not in (None, "none"):
            paying.setdefault(cid, []).append(i)
    pooled: set[str] = set()
    queue = sorted(skipped)
    while queue:
        i = queue.pop()
        reached = successors.get(ids[i], [])
        cid = cids[i]
        if (
            cid is not None
            and cid not in pooled
            and (table.is_bad(i, "payment_basis") or bases[i] not in (None, "none"))
        ):
            pooled.add(cid)
            reached = [*reached, *paying.get(cid, ())]
        for d in reached:
            if d not in skipped:
                skipped.add(d)
                queue.append(d)
    return skipped
