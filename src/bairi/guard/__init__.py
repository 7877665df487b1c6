"""What a file really is, and the safety scans that refuse it before any parser allocates."""
