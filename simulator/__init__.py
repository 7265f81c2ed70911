"""Therapist-training simulator."""
