"""Screens of the trainee app: home, session, report."""
