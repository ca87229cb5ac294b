"""Attrs value objects the services return (converted to JSON at the tool boundary)."""
