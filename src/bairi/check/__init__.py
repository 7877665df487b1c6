"""The rules a return is checked against, each yielding findings."""
