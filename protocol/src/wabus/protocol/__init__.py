"""wabus protocol layer: sans-IO frames, binary nodes, Noise transport and the stanza router.

Nothing here touches a socket, a thread, a clock or an event loop: objects take bytes in and
hand events and bytes out, so every layer is testable with byte vectors and fuzzing.
"""

__all__: list[str] = []
