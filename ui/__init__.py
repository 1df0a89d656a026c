"""The browser chat: a Gradio UI and a small REST API over `qa.Assistant`.

`ui.app.build_app(assistant)` returns the Gradio Blocks; `ui.server.serve()` runs the whole
server (chat at `/`, REST at `/api/ask`). Nothing here holds model state of its own.
"""
