"""Connectors turn a platform's data (an API or a data export) into normalized items.

They never judge content. Each is registered under the `auditor.connectors` entry-point group
by platform name, the same way an add-on would register one.
"""
