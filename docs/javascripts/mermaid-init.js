// Renders the ```mermaid blocks (pymdownx.superfences writes them as div.mermaid).
mermaid.initialize({ startOnLoad: true });
