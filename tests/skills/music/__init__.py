"""Tests of skills/music."""
