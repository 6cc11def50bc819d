"""The services' cache and hasher ports, implemented over Django's cache and hashers."""
