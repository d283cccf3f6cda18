"""The App Home: what needs the viewer now (issue 12)."""
