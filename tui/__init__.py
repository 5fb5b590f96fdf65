"""The modeltrail console (Textual) and command line."""
