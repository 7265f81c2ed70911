"""Widgets of the trainee app."""
