"""Built-in skills, one package each (code, engine, locales/); BUILTIN names those Registry.load imports, in order."""

BUILTIN = ["weather", "music", "calculate", "news", "clock"]
