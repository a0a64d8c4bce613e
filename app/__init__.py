"""ITAD Intake Station: the station (and later the central server) as one Python package."""

__version__ = "0.1.0"
