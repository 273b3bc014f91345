"""Runs inside Pyodide (see pyodide_run.mjs): refreshes the book data in /job/payload.json as
xlwings Lite would, through the package's own use case and live-workbook adapter on xlwings'
remote engine, and writes the refresh JSON, the worksheet functions' answers to the
job's calls and what was imported to /job/out.json."""

import datetime as dt
import glob
import json
import os
import shutil
import site
import sys
import time

# MarkupSafe comes as source (no pure wheel): its package, without the optional C speedups.
for package in glob.glob("/sources/*/src/markupsafe"):
    shutil.copytree(package, os.path.join(site.getsitepackages()[0], "markupsafe"))
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

with open("/job/job.json") as file:
    job = json.load(file)
started = time.perf_counter()
import xlwings as xw  # noqa: E402

from xl_milestones import actions  # noqa: E402
from xl_milestones.excel import macros  # noqa: E402, F401  (what main.py imports)
from xl_milestones.excel.book import XlwingsBook  # noqa: E402

imported = time.perf_counter()
with open("/job/payload.json") as file:
    payload = json.load(file)
book = xw.Book(json=payload)
report = actions.refresh(XlwingsBook(book), today=dt.date.fromisoformat(job["today"]))
done = time.perf_counter()
from xl_milestones.excel import udf_logic  # noqa: E402

functions = {
    "MS_LATE_INTEREST": udf_logic.late_interest_amount,
    "MS_PAYMENT_DUE_DATE": udf_logic.payment_due,
}
answers = [str(functions[name](*args)) for name, args in job.get("functions", [])]
result = {
    "functions": answers,
    "platform": sys.platform,
    "refresh": json.loads(json.dumps(report.to_json(), ensure_ascii=False)),
    "response_actions": len(book.json()["actions"]),
    "modules": sorted({name.split(".")[0] for name in sys.modules}),
    "import_s": imported - started,
    "refresh_s": done - imported,
}
with open("/job/out.json", "w") as out:
    json.dump(result, out)
