from iacfix.cli import run

run()
