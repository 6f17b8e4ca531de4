"""Tests of skills/calculate."""
