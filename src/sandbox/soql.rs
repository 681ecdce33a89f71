//! A parser and evaluator for the subset of SOQL the sandbox understands.
