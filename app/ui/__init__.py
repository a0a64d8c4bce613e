"""PySide6 user interface: main window, one page per workflow, thin Qt models, dialogs."""
