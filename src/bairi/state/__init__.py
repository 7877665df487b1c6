"""The campaign state as of a day: receipts, the clerk's register, each town's standing per deadline."""
