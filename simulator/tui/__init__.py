"""The trainee app (Textual). Only this package imports ``textual``.

Import :class:`simulator.tui.app.SimulatorApp` from its module; this package
keeps its ``__init__`` empty so that importing the CLI never pulls in Textual.
"""
