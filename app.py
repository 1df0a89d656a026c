"""Serve the chat about the bundled article: `python app.py`, then open http://127.0.0.1:7860.

Honours GRADIO_SERVER_NAME and GRADIO_SERVER_PORT, as Gradio apps do.
"""

from ui.app import default_assistant, serve

if __name__ == "__main__":
    serve(default_assistant())
