"""Stand-ins for outside services the registry asks, for the demo and the tests.

Each is a small, real HTTP server that answers the same paths, parameters and
JSON shapes as the service it stands for. Nothing here imports the rest of
the registry: the app only ever reaches a stand-in over HTTP, exactly as it
reaches the real service.
"""
