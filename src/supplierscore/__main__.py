"""``python -m supplierscore`` runs the command line, like the ``supplierscore`` script."""

from supplierscore.cli import main

main()
