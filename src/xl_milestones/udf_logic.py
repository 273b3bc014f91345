"""Where the worksheet functions' logic lived before it moved beside the Excel adapters
(``xl_milestones.excel.udf_logic``). The main.py of Lite workbooks made by earlier versions,
which users are told not to edit, imports these two functions by this name: they keep working.
"""

from xl_milestones.excel.udf_logic import late_interest_amount, payment_due

__all__ = ["late_interest_amount", "payment_due"]
