"""Generated code for the oci_v1_1 descriptor set (specgen build)."""
