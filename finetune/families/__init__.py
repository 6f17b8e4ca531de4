"""Skill families the project writes to train the router on registries beyond the built-ins.

Each module declares skills exactly as a developer would (typed functions with @skill); the YAML file beside it
holds phrasings in the template syntax of finetune/templates (hassil-like: (a|b), [optional], {slot}) and the
hard-negative topics of finetune/templates/*/none.yaml the family answers (a listed radio skill makes "play the
radio" a call, not none()). They are training data, not built-in skills: their bodies only describe what they
would do. Skills held out for the `unseen` evaluation (lights, thermostat, shopping list, coin flip, spelling,
calling) and the built-in timers and alarms are deliberately not here.
"""
