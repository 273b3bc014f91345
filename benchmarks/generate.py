"""Generate a large, realistic milestone workbook for the benchmarks.

For N milestones: N/10 contracts, N/2 deliverables, 3N/4 sign-offs, 37% as many invoices,
N/10 issues and N/20 change orders, with settings, approval rules, holidays and FX rates. The
data is valid (a refresh computes every milestone) unless ``--errors`` asks for a share of bad
cells. ``--chain`` puts every milestone in one contract, each the predecessor of the next, and
gives the first a bad Baseline Date, so that every later one is skipped through its predecessor
(the worst case of skip propagation). Written with XlsxWriter in constant_memory mode, then its
inline strings are moved into a shared string table as Excel saves them (``--inline-strings``
keeps them inline; calamine reads those about 40% slower). The same seed gives the same file.
``cached_book`` keeps one generated file per size, seed and options under benchmarks/out/ for the
benchmark scripts.

    python benchmarks/generate.py OUT.xlsx [--milestones 100000] [--seed 1] [--errors 0.0]
        [--chain] [--inline-strings]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import xlsxwriter

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
    SETTING_FIELDS,
    SETTINGS,
    SIGNOFFS,
    Sheet,
)

AS_OF = dt.date(2026, 6, 30)
CURRENCIES = (("GBP", None), ("EUR", 0.86), ("USD", 0.79))
ROLES = ("Project manager", "Commercial manager", "Finance director")
PEOPLE = tuple(
    f"{first} {last}"
    for first in ("Alex", "Sam", "Dana", "Chris", "Robin", "Jo", "Kim", "Lee")
    for last in ("Patel", "Smith", "Jones", "Garcia", "Novak", "Okafor", "Berg")
)
BAD_VALUES: tuple[object, ...] = ("n/a", "31/02/2026", "10,000", 150, True, "  ", "#REF!")


def _setting(name: str) -> str:
    return next(f.header for f in SETTING_FIELDS if f.name == name)


class _Writer:
    """One sheet: header row from the schema, rows in order (constant_memory needs row order)."""

    def __init__(self, book: xlsxwriter.Workbook, sheet: Sheet, names: Sequence[str]) -> None:
        self.ws = book.add_worksheet(sheet.name)
        self.names = list(names)
        self.row = 0
        self.ws.write_row(0, 0, [sheet.header(n) for n in self.names])
        self.ws.set_column(0, len(self.names) - 1, 14)

    def write(self, values: dict[str, object]) -> None:
        self.row += 1
        self.ws.write_row(self.row, 0, [values.get(n) for n in self.names])


def generate(
    path: Path, milestones: int, seed: int = 1, errors: float = 0.0, chain: bool = False
) -> dict[str, int]:
    """Write the workbook and return how many rows each sheet got."""
    rnd = random.Random(seed)
    book = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "default_date_format": "yyyy-mm-dd", "strings_to_numbers": False},
    )
    counts: dict[str, int] = {}

    def spoil(values: dict[str, object], names: Sequence[str]) -> dict[str, object]:
        if errors and rnd.random() < errors:
            values[rnd.choice(list(names))] = rnd.choice(BAD_VALUES)
        return values

    settings = _Writer(book, SETTINGS, ["setting", "value"])
    for name, value in (
        ("as_of_date", AS_OF),
        ("reporting_currency", "GBP"),
        ("late_interest_regime", "uk"),
        ("late_interest_reference_rate", 0.05),
        ("holiday_country", "GB"),
    ):
        settings.write({"setting": _setting(name), "value": value})

    n_contracts = 1 if chain else max(1, milestones // 10)
    per_contract = max(1, milestones // n_contracts)
    contract_fields = [f.name for f in CONTRACTS.inputs]
    contracts = _Writer(book, CONTRACTS, contract_fields)
    contract_info: list[tuple[str, dt.date, float]] = []
    for c in range(n_contracts):
        cid = f"C-{c + 1:05d}"
        currency = CURRENCIES[c % 3][0] if c % 5 == 0 else "GBP"
        start = dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randrange(0, 700))
        value = float(rnd.randrange(50, 5000) * 1000)
        contract_info.append((cid, start, value))
        contracts.write(
            spoil(
                {
                    "contract_id": cid,
                    "contract_name": f"Contract {c + 1} works package",
                    "supplier": f"Supplier {rnd.randrange(1, 800)} Ltd",
                    "currency": currency,
                    "original_value": value,
                    "start_date": start,
                    "end_date": start + dt.timedelta(days=900),
                    "payment_terms_days": rnd.choice((14, 30, 30, 45, 60)),
                    "payment_terms_basis": rnd.choice(
                        ("after_invoice", "after_signoff", "eom_after_invoice")
                    ),
                    "retention_rate": rnd.choice((0, 0.03, 0.05)),
                    "retention_limit": rnd.choice((None, 0.05)),
                    "advance_amount": rnd.choice((0, 0, value * 0.1)),
                    "delay_damages_rate": rnd.choice((0, 0.001)),
                    "delay_damages_cap": rnd.choice((None, 0.1)),
                    "vat_rate": rnd.choice((0, 0.2)),
                    "contract_owner": rnd.choice(PEOPLE),
                    "contract_status": "active" if rnd.random() < 0.95 else "suspended",
                },
                contract_fields,
            )
        )
    counts["contracts"] = n_contracts

    # Every contract gets an equal share of milestones; payment milestones are percent and add
    # up to exactly 100% per contract (a mix of 10% and 20% shares over ten milestones).
    ms_fields = [f.name for f in MILESTONES.fields]
    ms_inputs = [f.name for f in MILESTONES.inputs]
    ms = _Writer(book, MILESTONES, ms_fields)
    done: list[tuple[str, dt.date, str]] = []  # completed milestones: id, actual date, owner
    all_ids: list[str] = []
    shares = (0.1,) * 10
    for m in range(milestones):
        c = m % n_contracts
        k = m // n_contracts
        cid, start, _value = contract_info[c]
        mid = f"M-{m + 1:06d}"
        all_ids.append(mid)
        baseline = start + dt.timedelta(days=600 * (k + 1) // per_contract)
        complete = baseline + dt.timedelta(days=rnd.randrange(-20, 30)) <= AS_OF
        actual = baseline + dt.timedelta(days=rnd.randrange(-20, 30)) if complete else None
        if actual is not None and actual > AS_OF:
            actual = AS_OF
        if actual is not None and actual < start:
            actual = start
        owner = rnd.choice(PEOPLE)
        paying = k < 10
        values: dict[str, object] = {
            "milestone_id": mid,
            "contract_id": cid,
            "milestone_name": f"Milestone {k + 1} of {cid}",
            "milestone_type": "payment" if paying else rnd.choice(("project", "deliverable")),
            "owner": owner,
            "acceptance_criteria": "Works complete and inspected" if rnd.random() < 0.8 else None,
            "baseline_date": baseline,
            "forecast_date": None
            if complete
            else baseline + dt.timedelta(days=rnd.randrange(-5, 40)),
            "actual_date": actual,
            "percent_complete": 1 if complete else round(rnd.random() * 0.9, 2),
            "payment_basis": "percent" if paying else "none",
            "payment_percent": shares[k] if paying else None,
            "predecessors": f"M-{m + 1 - n_contracts:06d}" if k > 0 else None,
            "evidence": f"DOC-{m + 1}" if complete else None,
            "on_hold": "no",
            "cancelled": "no",
            "notes": None,
        }
        if chain and m == 0:
            values["baseline_date"] = "not a date"
        ms.write(spoil(values, ms_inputs))
        if complete and actual is not None:
            done.append((mid, actual, owner))
    counts["milestones"] = milestones

    def rows_for(n: int) -> Iterator[int]:
        return iter(range(n))

    d_fields = [f.name for f in DELIVERABLES.inputs]
    deliverables = _Writer(book, DELIVERABLES, d_fields)
    n_deliverables = milestones // 2
    for i in rows_for(n_deliverables):
        mid = all_ids[(i * 2) % milestones]
        due = dt.date(2024, 3, 1) + dt.timedelta(days=rnd.randrange(0, 900))
        submitted = due - dt.timedelta(days=rnd.randrange(0, 10)) if due < AS_OF else None
        accepted = submitted + dt.timedelta(days=3) if submitted and rnd.random() < 0.8 else None
        deliverables.write(
            spoil(
                {
                    "deliverable_id": f"D-{i + 1:06d}",
                    "milestone_id": mid,
                    "deliverable_name": f"Deliverable {i + 1}",
                    "due_date": due,
                    "submitted_date": submitted,
                    "accepted_date": accepted,
                    "acceptance_status": "accepted"
                    if accepted
                    else "submitted"
                    if submitted
                    else "pending",
                    "evidence": f"DEL-{i + 1}" if submitted else None,
                },
                d_fields,
            )
        )
    counts["deliverables"] = n_deliverables

    s_fields = [f.name for f in SIGNOFFS.inputs]
    signoffs = _Writer(book, SIGNOFFS, s_fields)
    n_signoffs = milestones * 3 // 4
    for i in rows_for(n_signoffs):
        if done and i % 3 != 2:
            mid, actual, owner = done[i % len(done)]
            decided = min(AS_OF, actual + dt.timedelta(days=rnd.randrange(0, 20)))
            decision = "approved" if rnd.random() < 0.9 else "rejected"
        else:
            mid, decided, owner, decision = all_ids[i % milestones], None, "", "pending"
        approver = rnd.choice([p for p in PEOPLE[:8] if p != owner])
        signoffs.write(
            spoil(
                {
                    "milestone_id": mid,
                    "approver_role": ROLES[i % 2],
                    "approver_name": approver,
                    "decision": decision,
                    "decision_date": decided,
                    "comment": "Not to specification" if decision == "rejected" else None,
                },
                s_fields,
            )
        )
    counts["signoffs"] = n_signoffs

    rules = _Writer(book, APPROVAL_RULES, ["min_value", "approver_role"])
    for value, role in ((0, ROLES[0]), (0, ROLES[1]), (1_000_000, ROLES[2])):
        rules.write({"min_value": value, "approver_role": role})
    counts["approval_rules"] = 3

    co_fields = [f.name for f in CHANGE_ORDERS.inputs]
    changes = _Writer(book, CHANGE_ORDERS, co_fields)
    n_changes = milestones // 20
    for i in rows_for(n_changes):
        m = rnd.randrange(milestones)
        approved = rnd.random() < 0.6
        changes.write(
            spoil(
                {
                    "change_id": f"CO-{i + 1:05d}",
                    "contract_id": contract_info[m % n_contracts][0],
                    "milestone_id": all_ids[m] if rnd.random() < 0.7 else None,
                    "description": "Scope change",
                    "value_change": float(rnd.randrange(-20, 50) * 500),
                    "extension_days": rnd.randrange(0, 30),
                    "change_status": "approved" if approved else "proposed",
                    "approved_date": AS_OF - dt.timedelta(days=rnd.randrange(1, 200))
                    if approved
                    else None,
                },
                co_fields,
            )
        )
    counts["change_orders"] = n_changes

    inv_fields = [f.name for f in INVOICES.inputs]
    invoices = _Writer(book, INVOICES, inv_fields)
    n_invoices = milestones * 37 // 100
    for i in rows_for(n_invoices):
        mid, actual, _owner = done[i % len(done)] if done else (all_ids[0], AS_OF, "")
        invoiced = min(AS_OF, actual + dt.timedelta(days=rnd.randrange(0, 15)))
        paid = invoiced + dt.timedelta(days=rnd.randrange(10, 60))
        amount = float(rnd.randrange(5, 500) * 100)
        is_paid = paid <= AS_OF and rnd.random() < 0.8
        invoices.write(
            spoil(
                {
                    "invoice_id": f"INV-{i + 1:06d}",
                    "milestone_id": mid,
                    "invoice_date": invoiced,
                    "invoice_amount": amount,
                    "paid_date": paid if is_paid else None,
                    "paid_amount": amount if is_paid else None,
                },
                inv_fields,
            )
        )
    counts["invoices"] = n_invoices

    is_fields = [f.name for f in ISSUES.inputs]
    issues = _Writer(book, ISSUES, is_fields)
    n_issues = milestones // 10
    for i in rows_for(n_issues):
        closed = rnd.random() < 0.5
        raised = dt.date(2024, 6, 1) + dt.timedelta(days=rnd.randrange(0, 700))
        issues.write(
            spoil(
                {
                    "issue_id": f"I-{i + 1:05d}",
                    "milestone_id": all_ids[rnd.randrange(milestones)],
                    "category": rnd.choice(("risk", "risk", "issue", "dispute")),
                    "severity": rnd.choice(("low", "medium", "high", "critical")),
                    "blocking": rnd.choice(("yes", "no", "no")),
                    "issue_status": "closed" if closed else "open",
                    "raised_date": raised,
                    "closed_date": raised + dt.timedelta(days=10) if closed else None,
                    "issue_owner": rnd.choice(PEOPLE),
                    "description": "Supplier resourcing",
                    "amount_disputed": None,
                },
                is_fields,
            )
        )
    counts["issues"] = n_issues

    holidays = _Writer(book, HOLIDAYS, ["holiday_date", "holiday_name"])
    for day in (dt.date(2025, 12, 29), dt.date(2025, 12, 30), dt.date(2026, 12, 29)):
        holidays.write({"holiday_date": day, "holiday_name": "Company closure"})
    fx = _Writer(book, FX_RATES, ["currency", "rate_to_reporting"])
    for code, rate in CURRENCIES:
        if rate is not None:
            fx.write({"currency": code, "rate_to_reporting": rate})
    book.close()
    return counts


_INLINE = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="inlineStr"><is><t( xml:space="preserve")?>'
    rb"([^<]*)</t></is></c>"
)
_SST_CT = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def share_strings(path: Path) -> int:
    """Move the inline strings of every sheet into xl/sharedStrings.xml; returns how many."""
    index: dict[tuple[bytes, bytes], int] = {}
    count = 0

    def shared(m: re.Match[bytes]) -> bytes:
        nonlocal count
        count += 1
        key = (m.group(3) or b"", m.group(4))
        at = index.get(key)
        if at is None:
            at = index[key] = len(index)
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (m.group(1), m.group(2), at)

    tmp = path.with_name(path.name + ".sst")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = _INLINE.sub(shared, data)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="%s"/></Types>'
                    % _SST_CT,
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdSharedStrings" Type="%s" Target="sharedStrings.xml"/>'
                    b"</Relationships>" % _SST_REL,
                )
            zout.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        items = b"".join(b"<si><t%s>%s</t></si>" % key for key in index)
        zout.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<sst xmlns="%s" count="%d" uniqueCount="%d">%s</sst>'
            % (_MAIN_NS, count, len(index), items),
        )
    tmp.replace(path)
    return count


def cached_book(milestones: int, seed: int = 1, errors: float = 0.0, chain: bool = False) -> Path:
    """The generated workbook for these options under benchmarks/out/, made on first use."""
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    name = f"bench-{milestones}-seed{seed}" + (f"-errors{errors:g}" if errors else "")
    name += "-chain" if chain else ""
    book = out / f"{name}.xlsx"
    if not book.exists():
        partial = out / f"{name}.partial.xlsx"
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                str(partial),
                "--milestones",
                str(milestones),
                "--seed",
                str(seed),
                "--errors",
                str(errors),
                *(["--chain"] if chain else []),
            ],
            check=True,
        )
        partial.replace(book)
    return book


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--milestones", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--errors", type=float, default=0.0, help="share of rows with a bad cell")
    parser.add_argument(
        "--chain", action="store_true", help="one contract, one predecessor chain, broken head"
    )
    parser.add_argument(
        "--inline-strings", action="store_true", help="keep XlsxWriter's inline strings"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate(args.output, args.milestones, args.seed, args.errors, args.chain)
    if not args.inline_strings:
        share_strings(args.output)
    took = time.perf_counter() - started
    size = args.output.stat().st_size / 1e6
    rows = ", ".join(f"{k} {v}" for k, v in counts.items())
    print(f"{args.output}: {rows}; {size:.1f} MB in {took:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
