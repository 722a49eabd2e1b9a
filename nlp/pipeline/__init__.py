"""The spaCy layer: text in, a Doc with sections, entities, ConText and lesion records out.

It knows nothing of CPT or ICD-10-CM; :mod:`nlp.coding` does the coding from the records.
"""

from nlp.pipeline.build import COMPONENTS, PIPELINE_NAME, build_pipeline, load_pipeline

__all__ = ["COMPONENTS", "PIPELINE_NAME", "build_pipeline", "load_pipeline"]
