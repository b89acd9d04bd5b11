"""The promotion gate: a registered version becomes the ``champion`` only when the suites say it
is better, and ``rollback`` puts the previous champion back."""
