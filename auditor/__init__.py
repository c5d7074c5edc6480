"""Staff social media auditor: checks school boards' professional accounts against the procedure."""

__version__ = "0.1.0"
