"""Commits from a git repository on disk, through the git command line."""
