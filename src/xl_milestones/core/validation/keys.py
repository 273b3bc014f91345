"""The key checks: currency codes, unique ids, references between sheets, predecessors.

Each walks the columns it names once; references and predecessors look ids up in the Book's
indexes of Milestone and Contract IDs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from xl_milestones.core.coerce import not_a_code, show
from xl_milestones.core.currencies import MINOR_UNITS
from xl_milestones.core.schema import (
    CONTRACTS,
    FX_RATES,
    INPUT_SHEETS,
    MILESTONES,
    REFERENCES,
    SETTINGS,
    SHEETS_BY_KEY,
    Field,
    FieldType,
    Sheet,
)
from xl_milestones.core.validation.table import ERROR, WARNING, Book, Found, Table


def noun(sheet: Sheet) -> str:
    """What one row of a sheet is: ``Change Orders`` -> ``change order``."""
    return sheet.name.lower().removesuffix("s")


def currency_codes(book: Book) -> Iterator[Found]:
    """Currencies of contracts and FX rates as upper-case ISO 4217 codes; others are blanked."""
    for key in (CONTRACTS.key, FX_RATES.key):
        column = book.column(key, "currency")
        for i, value in enumerate(column):
            if value is None:
                continue
            code = str(value).upper()
            if code in MINOR_UNITS:
                column[i] = code
                continue
            column[i] = None
            yield Found(
                key,
                i,
                ERROR,
                "unknown-currency",
                "currency",
                value,
                not_a_code(value),
            )


def unique_values(book: Book) -> Iterator[Found]:
    """Every row of a value met more than once in a unique column, in order of first rows."""
    for sheet in INPUT_SHEETS:
        if sheet is SETTINGS:
            continue
        table = book.tables[sheet.key]
        for f in sheet.inputs:
            if f.unique:
                yield from _duplicates(table, f)


def _duplicates(table: Table, f: Field) -> Iterator[Found]:
    # Most values are unique: remember the first row of each and make a group only for values
    # met again, in the order of their first rows.
    column = table.columns[f.name]
    filled = [v for v in column if v is not None]
    if len(set(filled)) == len(filled):
        return
    first: dict[object, int] = {}
    again: dict[object, list[int]] = {}
    for i, v in enumerate(column):
        if v is None:
            continue
        if v in first:
            group = again.get(v)
            if group is None:
                again[v] = [first[v], i]
            else:
                group.append(i)
        else:
            first[v] = i
    at = {v: i for i, v in enumerate(first) if v in again}
    for v, group in sorted(again.items(), key=lambda item: at[item[0]]):
        for i in group:
            yield _duplicate(table, f, v, i, group)


def _duplicate(table: Table, f: Field, v: object, i: int, group: list[int]) -> Found:
    sheet = table.sheet
    others = ", ".join(str(table.rows[o]) for o in group if o != i)
    s = "s" if len(group) > 2 else ""
    if f.type is FieldType.ID:
        message = (
            f"{f.header} {v} is also used in row{s} {others}: each {noun(sheet)} needs its own id"
        )
        return Found(sheet.key, i, ERROR, "duplicate-id", f.name, v, message)
    # A repeated holiday is harmless; a repeated FX rate is ambiguous.
    severity = WARNING if f.type is FieldType.DATE else ERROR
    message = f"{show(v)} is also in row{s} {others}: keep one row for it"
    return Found(sheet.key, i, severity, "duplicate-value", f.name, v, message)


def references(book: Book) -> Iterator[Found]:
    """Every Contract ID and Milestone ID that names a row of another sheet names one there."""
    for key, refs in REFERENCES.items():
        for name, target_key in refs:
            known = book.milestone_at if target_key == MILESTONES.key else book.contract_at
            target = SHEETS_BY_KEY[target_key]
            column = book.column(key, name)
            unknown = set(column).difference(known)
            unknown.discard(None)
            if not unknown:
                continue
            spaced = book.tables[target_key]
            for i, value in enumerate(column):
                if value in unknown:
                    what = f"{target.header(name)} {value}"
                    message = _spaced(spaced, value, what) or (
                        f"{what} is not on the {target.name} sheet: "
                        f"correct the id or add the {noun(target)}"
                    )
                    yield Found(key, i, ERROR, "unknown-reference", name, value, message)


def _spaced(target: Table, value: str, what: str) -> str | None:
    """The message for a reference to an id typed on ``target`` with spaces around it (refused
    there, so its row is not computed), else None."""
    at = target.spaced_ids.get(value)
    if at is None:
        return None
    return (
        f"{what} is on the {target.sheet.name} sheet only with spaces around it (row "
        f"{target.rows[at]}): remove them there"
    )


def predecessors(book: Book) -> Iterator[Found]:
    """Each predecessor is a milestone of the same contract, and predecessors form no cycle."""
    key = MILESTONES.key
    ids = book.column(key, "milestone_id")
    contracts = book.column(key, "contract_id")
    lists = book.column(key, "predecessors")
    at = book.milestone_at
    graph: dict[str, list[str]] = {}
    backward = True  # every link names an earlier row: then no cycle is possible
    for i, preds in enumerate(lists):
        if not preds:
            continue
        edges: list[str] = []
        oc = contracts[i]
        for p in preds:
            target = at.get(p)
            tc = None if target is None else contracts[target]
            if target is not None and (tc is None or oc is None or tc == oc):
                edges.append(p)
                backward = backward and target < i
            else:
                yield _link(book.tables[key], at, i, p, target, tc, oc)
        mid = ids[i]
        if mid is not None and at.get(mid) == i and edges:
            graph[mid] = edges
    if backward:
        return
    for cycle, members in _cycles(graph):
        text = " → ".join([*cycle, cycle[0]])
        for mid in members:
            i = at[mid]
            yield Found(
                key,
                i,
                ERROR,
                "predecessor-cycle",
                "predecessors",
                ", ".join(lists[i]),
                f"predecessors form a cycle {text}: remove one of these links",
            )


def _link(
    milestones: Table,
    at: Mapping[str, int],
    i: int,
    p: str,
    target: int | None,
    tc: str | None,
    oc: str | None,
) -> Found:
    """What is wrong with milestone ``i``'s predecessor ``p`` (row ``target``, contract
    ``tc``; ``oc`` is milestone ``i``'s contract; ``at``: the row of each milestone id)."""
    if target is None:
        message = (
            _spaced(milestones, p, f"predecessor {p}")
            or _unseparated(at, p)
            or (
                f"predecessor {p} is not on the Milestones sheet: correct the id or "
                "remove it from Predecessors"
            )
        )
        return Found(MILESTONES.key, i, ERROR, "unknown-reference", "predecessors", p, message)
    return Found(
        MILESTONES.key,
        i,
        ERROR,
        "cross-contract-predecessor",
        "predecessors",
        p,
        f"predecessor {p} belongs to contract {tc}, not {oc}: a predecessor must "
        "be a milestone of the same contract",
    )


def _unseparated(at: Mapping[str, int], p: str) -> str | None:
    """The message for milestone ids typed with spaces alone between them ('M-001 M-002',
    read as one id), else None."""
    parts = p.split()
    if len(parts) < 2 or not all(q in at for q in parts):
        return None
    return (
        f"predecessors {p} are separated by spaces only, so they read as one id: separate "
        f"them with commas ({', '.join(parts)})"
    )


def _cycles(graph: dict[str, list[str]]) -> list[tuple[list[str], list[str]]]:
    """Each predecessor cycle: one cycle path to name it, and every milestone caught in it.

    Milestones no cycle can pass through are peeled off first (nothing depends on them,
    repeatedly); what remains is small in a real workbook, and only that goes through Tarjan's
    walk for strongly connected components.
    """
    dependants: dict[str, int] = dict.fromkeys(graph, 0)
    for edges in graph.values():
        for p in edges:
            dependants[p] = dependants.get(p, 0) + 1
    free = [m for m, count in dependants.items() if count == 0]
    while free:
        m = free.pop()
        for p in graph.get(m, ()):
            dependants[p] -= 1
            if dependants[p] == 0:
                free.append(p)
    left = {m for m, count in dependants.items() if count > 0}
    graph = {m: [p for p in graph.get(m, []) if p in left] for m in left}
    return [
        (_cycle_path(graph, set(members)), sorted(members))
        for members in _components(graph)
        if len(members) > 1 or members[0] in graph.get(members[0], [])
    ]


def _components(graph: dict[str, list[str]]) -> Iterator[list[str]]:
    """The strongly connected components of ``graph`` (Tarjan's, without recursion, so that a
    long chain of predecessors cannot overflow the stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            edges = graph.get(node, [])
            if i < len(edges):
                work.append((node, i + 1))
                nxt = edges[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                yield _pop_component(stack, on_stack, node)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])


def _pop_component(stack: list[str], on_stack: set[str], node: str) -> list[str]:
    members: list[str] = []
    while True:
        m = stack.pop()
        on_stack.discard(m)
        members.append(m)
        if m == node:
            return members


def _cycle_path(graph: dict[str, list[str]], members: set[str]) -> list[str]:
    """A shortest cycle through the smallest id of a strongly connected component."""
    start = min(members)
    if start in graph.get(start, []):
        return [start]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt: list[str] = []
        for node in frontier:
            for p in graph.get(node, []):
                if p not in members:
                    continue
                if p == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return list(reversed(path))
                if p not in previous:
                    previous[p] = node
                    nxt.append(p)
        frontier = nxt
    return sorted(members)  # pragma: no cover - a component always holds a cycle
