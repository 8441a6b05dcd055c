"""Evaluation metrics the chapters report, each tested against values worked out by hand.

Plain NumPy in, plain floats out, so they score any model (Keras, statsmodels, a baseline
written in one line) the same way.
"""
