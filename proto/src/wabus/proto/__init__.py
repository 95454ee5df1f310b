"""wabus protobuf schema.

This distribution will hold the project's own ``.proto`` sources (proto2, with the field numbers
of the real protocol) and the Python modules generated from them. It has no modules yet: the
schema arrives with the protobuf/router work, and until then nothing in wabus parses protobuf.
"""

__all__: list[str] = []
