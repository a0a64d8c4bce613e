"""Hardware at the station: one worker thread per configured port owning its driver, reconnect
with back-off, port enumeration and probing, and the simulators' glue for demo mode.

Qt-free: events leave through a thread-safe callback (``app.ui`` re-emits them as Qt signals).
"""
