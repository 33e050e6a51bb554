"""One file per page; ``st.navigation`` (in ``app.py``) runs the page on screen only."""
