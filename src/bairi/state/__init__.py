"""The campaign state as of a day: receipts, the clerk's logbook, each town's standing per deadline."""
