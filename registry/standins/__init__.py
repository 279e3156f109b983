"""Stand-ins for the outside services the registry asks: small, faithful HTTP servers for the demo and the tests.

They import nothing from the registry, so they run anywhere (``python -m registry.standins.dbs``).
"""
