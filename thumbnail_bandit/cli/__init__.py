"""The command lines: one module per subcommand, each turning arguments into library calls."""
