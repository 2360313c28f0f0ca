"""``python -m geertz`` runs the command line."""

from geertz.cli import main

main()
