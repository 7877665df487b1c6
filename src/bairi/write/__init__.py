"""The workbook layout declared once and drawn; atomic writes."""
