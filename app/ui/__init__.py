"""What the page says: presenters that turn core state into the words and indicators shown.

Plain Python (no DOM), so the words are tested under CPython; ``app.browser.view`` puts them
on the page.
"""
