"""The service's import package; the project's own name lives in app/core/project.json."""
