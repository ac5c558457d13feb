"""Widgets: the Explorer, the Review queue, and their panes (ipywidgets, anywidget)."""
