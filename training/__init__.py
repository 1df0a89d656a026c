"""How the shipped models were trained: data checks, fixed seeds, resumable runs.

Nothing here runs at import time, and the product never imports this package.
"""
