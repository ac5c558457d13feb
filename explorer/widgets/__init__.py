"""Widgets: the Explorer and its panes (ipywidgets, anywidget)."""
