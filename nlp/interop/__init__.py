"""Annotation interop: our gold format to and from brat, Prodigy, Label Studio and spaCy DocBin."""
