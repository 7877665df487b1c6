"""python -m bairi."""

from bairi.cli import main

main()
