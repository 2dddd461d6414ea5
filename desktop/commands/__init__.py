"""Command-line tools behind `loket <command>`: each module has `main(argv) -> int`."""
