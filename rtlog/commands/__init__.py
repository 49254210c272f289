"""The subcommands: typer option declarations and human rendering, one module each."""
