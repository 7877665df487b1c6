"""Receipts: one walk of folders, mail and archives, the ledger of first sightings, the evidence of when each arrived."""
