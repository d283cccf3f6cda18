"""Reports: numbers computed in SQL, rendered as text, CSV, JSON and charts (issue 12)."""
