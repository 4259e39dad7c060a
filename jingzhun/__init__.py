"""jingzhun (精准): targeted poverty alleviation and return-to-poverty monitoring registry."""

__version__ = "0.1.0"
