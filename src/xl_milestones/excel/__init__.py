"""Adapters for live Excel through xlwings: the ribbon macros."""
