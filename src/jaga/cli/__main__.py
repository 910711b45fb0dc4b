"""`python -m jaga.cli ...`, as the `jaga` script."""

from jaga.cli import run

run()
