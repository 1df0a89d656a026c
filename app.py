"""Serve the chat about the bundled article: `python app.py`, then open http://127.0.0.1:7860.

Honours GRADIO_SERVER_NAME and GRADIO_SERVER_PORT, as Gradio apps do.
"""

from ui.startup import load_in_background

if __name__ == "__main__":
    loading = load_in_background()  # overlaps Gradio's import, most of the start
    from ui.server import port_from_env, serve

    port = port_from_env()  # a bad GRADIO_SERVER_PORT fails now, not after the load
    serve(loading.result(), port=port)
