"""Builds the workbook template from the schema: sheets, VBA project and ribbon."""
