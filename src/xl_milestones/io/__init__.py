"""Reading and writing workbook files."""
