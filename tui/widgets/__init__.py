"""Widgets and dialogs: the virtual prediction table, the trail breadcrumb, the help
screen, the note dialog and the export-format choice."""
