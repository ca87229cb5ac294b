"""testio: ask an AI assistant about your TestIO crowdtesting."""

__version__ = "0.1.0"
