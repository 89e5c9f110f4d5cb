"""Flows declared as data, one module each; each declares its Capability for the registry."""
