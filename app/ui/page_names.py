"""The pages of the main window, by the names the CLI and the navigation use. Qt-free."""

PAGE_TITLES: dict[str, str] = {
    "receiving": "Receiving",
    "sanitization": "Sanitization",
    "grading": "Grading",
    "pallets": "Pallets",
    "custody-log": "Custody log",
    "sync": "Sync",
    "devices": "Devices",
    "settings": "Settings",
}
PAGE_NAMES: tuple[str, ...] = tuple(PAGE_TITLES)
