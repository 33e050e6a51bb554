"""The Streamlit app's layer (the only Streamlit importer besides ``app.py``).

``state`` holds the defaults, URL parameters and share links; ``cached`` wraps each library call
in a Streamlit cache keyed on plain values; ``sidebar`` draws the shared settings; ``context``
resolves them lazily into a portfolio and a simulator; ``widgets`` are the shared pieces; each
file of ``pages/`` is one page, run by ``st.navigation`` only when it is on screen.
"""
