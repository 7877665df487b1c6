"""Deadlines, receipts and each town's status for each of them."""
