"""The commands, one module per verb, in the style of pre-commit's ``commands/``.

Each is a plain function taking typed arguments (the frozen option values of
``options.py`` and controller/reconcile.py, built once from click's parameters in
controller/cli.py) and returning an int exit code. cli.py only parses and calls them
through the one error handler (controller/errorhandler.py). ``subctl sandbox``, the
sandbox's own tool, keeps its click command beside its package (controller/sandbox/).
"""
