"""Configuration: strict pydantic models, a YAML file and ``MONITORD_*`` overrides.

Import from the submodules (``monitord.config.loader`` for loading); this package
module stays empty so probe modules can import ``durations`` without a cycle.
"""
