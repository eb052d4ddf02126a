"""crud"""
