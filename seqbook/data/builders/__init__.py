"""TFDS builders of the generated data sets: built once into ``SEQBOOK_DATA_DIR``, versioned.

Importing a builder module registers its class with TFDS, so ``tfds.load`` finds it by name.
"""
