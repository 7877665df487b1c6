"""The county's consolidation of the towns' accepted returns."""
