"""Use cases that read many workbooks at once (the portfolio roll-up)."""
