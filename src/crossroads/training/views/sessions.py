"""Courses, sessions, attendance, knowledge checks and certifications."""
