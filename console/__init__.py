"""The shell: the `chuishao` entry point, config loading, the app factory and the Textual App."""
