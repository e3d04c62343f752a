"""Generated code for the registry_v2 descriptor set (specgen build)."""
