"""What the clerk reads: terminal tables, JSON, bulletins and reminders."""
