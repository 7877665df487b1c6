"""Bytes to cells (grid) and cells to a return, the form found by its labels (reader)."""
