//! Tests for query (being written).
