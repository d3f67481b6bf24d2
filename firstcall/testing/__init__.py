"""Local stand-ins of outside services, for tests and the demo: real HTTP on 127.0.0.1, never the internet."""
