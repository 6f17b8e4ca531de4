"""Built-in skills, one file each; BUILTIN lists the modules Registry.load imports, in prompt order."""

BUILTIN = ["weather", "music", "calculate", "news"]
