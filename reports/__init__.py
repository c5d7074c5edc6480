"""Reports: a report model built from the store, rendered as HTML (jinja2, autoescaped), CSV or
JSON, and the email summary. Reports read the store only; they never call a platform."""
